import { RecordsContract } from './recordsContract';

export { RecordsContract } from './recordsContract';

/** What fabric-chaincode-node loads (package.json "main"); the first contract is the default one. */
export const contracts = [RecordsContract];
