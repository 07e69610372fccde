/**
 * The shapes of the strings the contract accepts, identical to the C# devnet contract's. None admits U+0000, the
 * separator of Fabric's composite keys, so no id can forge another key.
 */
const accountPattern = /^0x[0-9a-f]{64}$/;
const sha256Pattern = /^[0-9a-f]{64}$/;
const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const organizationPattern = /^[A-Za-z0-9._-]{1,64}$/;
const ipfsUriPattern = /^ipfs:\/\/[A-Za-z0-9]{1,128}$/;

export const isAccountId = (value: string): boolean => accountPattern.test(value);
export const isSha256Hex = (value: string): boolean => sha256Pattern.test(value);
export const isRecordOrTokenId = (value: string): boolean => idPattern.test(value);
export const isOrganizationId = (value: string): boolean => organizationPattern.test(value);
export const isIpfsUri = (value: string): boolean => ipfsUriPattern.test(value);
