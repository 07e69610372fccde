import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JSONSerializer } from 'fabric-contract-api';
import { RecordsContract } from '../src/recordsContract';

/*
 * fabric-chaincode-node turns every transaction's return value into the response payload with fabric-contract-api's
 * JSONSerializer (class-transformer underneath), and answers org.hyperledger.fabric:GetMetadata (FabricGateway's
 * health probe) the same way. These run the library's own serializer and ChaincodeFromContract, as the chaincode
 * server does, so a dependency that drifts out from under them (class-transformer 0.4.1 has no classToPlain) fails here.
 */

// fabric-shim ships no types for its contract SPI; this is the part of ChaincodeFromContract these tests use.
interface Marshall { toWireBuffer(result: unknown, schema: unknown, loggerPrefix: string): Buffer }
interface ChaincodeFromContract {
    metadata: { contracts: Record<string, { transactions: { name: string, returns?: { schema: unknown } }[] }> };
    contractImplementations: Record<string, { contractInstance: Record<string, () => Promise<unknown>>, dataMarshall: Marshall }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContractClass = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as
    new (contracts: unknown[], serializers: unknown, metadata: object, title: string, version: string) => ChaincodeFromContract;

// What fabric-shim's bootstrap passes when package.json names no serializers (ours names none).
const defaultSerialization = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };

test('a non-string return value is serialised to JSON by the runtime serializer', () => {
    const payload = new JSONSerializer().toBuffer({ organization: 'Org1MSP', doctors: 2 }, { type: 'object' });
    assert.deepEqual(JSON.parse(payload.toString()), { organization: 'Org1MSP', doctors: 2 });
});

test('GetMetadata answers with the contract metadata, serialised as the chaincode server does', async () => {
    const chaincode = new ChaincodeFromContractClass([RecordsContract], defaultSerialization, {}, 'hybridehr-records-chaincode', '1.0.0');
    const system = chaincode.contractImplementations['org.hyperledger.fabric'];
    const getMetadata = chaincode.metadata.contracts['org.hyperledger.fabric'].transactions.find(t => t.name === 'GetMetadata');
    assert.ok(getMetadata, 'the system contract declares GetMetadata');

    const result = await system.contractInstance.GetMetadata.call(system.contractInstance);
    const wire = system.dataMarshall.toWireBuffer(result, getMetadata.returns?.schema, '[test]');

    const metadata = JSON.parse(wire.toString()) as { contracts: Record<string, { transactions: { name: string }[] }> };
    const records = metadata.contracts[new RecordsContract().getName()];
    assert.ok(records, 'the records contract is in the metadata');
    assert.ok(records.transactions.some(t => t.name === 'create_record'), 'create_record is listed');
});
