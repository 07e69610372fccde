'use strict';
// Independent checks of the enrolment certificates FabricGateway issues, with code Fabric itself runs:
// fabric-shim's ClientIdentity (what the chaincode reads), the records chaincode's own Ledger.caller (compiled dist/),
// and Node's crypto.X509Certificate (signature against the CA's key, issuance).
// Usage: node identitycheck.js <chaincode/fabric directory> <input.json>; input {mspId, certificatePem, caCertificatePem};
// prints one JSON object on stdout.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const [chaincodeDirectory, inputPath] = process.argv.slice(2);
if (!chaincodeDirectory || !inputPath) {
    console.error('usage: node identitycheck.js <chaincode directory> <input.json>');
    process.exit(2);
}

const { ClientIdentity } = require(path.join(chaincodeDirectory, 'node_modules', 'fabric-shim'));
const { Ledger } = require(path.join(chaincodeDirectory, 'dist', 'src', 'ledger.js'));
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));

// The part of a ChaincodeStub that ClientIdentity reads: the proposal's creator, as the peer hands it over.
const stub = {
    getChannelID: () => 'ehr',
    getTxID: () => 'identitycheck',
    getCreator: () => ({ mspid: input.mspId, idBytes: Buffer.from(input.certificatePem, 'utf8') }),
};
const identity = new ClientIdentity(stub);
const caller = new Ledger({ clientIdentity: identity, stub }).caller;

const certificate = new crypto.X509Certificate(input.certificatePem);
const ca = new crypto.X509Certificate(input.caCertificatePem);
const names = ['role', 'document_id_hash', 'account_id', 'hf.EnrollmentID', 'hf.Type'];

process.stdout.write(JSON.stringify({
    mspId: identity.getMSPID(),
    id: identity.getID(),
    attributes: Object.fromEntries(names.map((name) => [name, identity.getAttributeValue(name)])),
    caller,
    verifiesWithCaKey: certificate.verify(ca.publicKey),
    checkIssued: certificate.checkIssued(ca),
    isCa: certificate.ca,
    subject: certificate.subject,
    issuer: certificate.issuer,
    caSubject: ca.subject,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    publicKeyCurve: certificate.publicKey.asymmetricKeyDetails.namedCurve,
}));
