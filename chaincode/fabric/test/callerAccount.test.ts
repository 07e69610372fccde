import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContractError } from '../src/errors';
import { accountIdOf } from '../src/ledger';
import { RecordsContract } from '../src/recordsContract';
import { FakeClientIdentity, InMemoryLedger, contextOf } from './inMemoryLedger';

/*
 * The caller's account comes from the certificate: the CA-set attribute account_id when present (FabricGateway's
 * enrolment authority puts the member's permission-chain account there), otherwise the hash of MSP id and X.509 id.
 */

const contract = new RecordsContract();
const documentHash = 'a'.repeat(64);
const permissionChainAccount = '0x' + 'b'.repeat(64);
const patient = '0x' + 'c'.repeat(64);
const start = Date.UTC(2026, 0, 1);

type Call = (ledger: InMemoryLedger, identity: FakeClientIdentity, fcn: string, args: object) => Promise<Record<string, unknown>>;

const call: Call = async (ledger, identity, fcn, args) => {
    const json = JSON.stringify(args);
    const stub = ledger.newStub(fcn, [json], start);
    const method = (contract as unknown as Record<string, (ctx: unknown, a: string) => Promise<string>>)[fcn];
    const result = await method.call(contract, contextOf(stub, identity), json);
    ledger.commit(stub);
    return JSON.parse(result) as Record<string, unknown>;
};

/** A ledger with HospitalAMSP registered and the document enrolled as its doctor. */
const ledgerWithEnrolledDoctor = async (): Promise<InMemoryLedger> => {
    const ledger = new InMemoryLedger();
    await call(ledger, new FakeClientIdentity('HospitalAMSP', 'netadmin', { role: 'network_admin' }), 'register_organization', { organization: 'HospitalAMSP' });
    await call(ledger, new FakeClientIdentity('HospitalAMSP', 'admin', { role: 'org_admin' }), 'enroll_doctor', { document_id_hash: documentHash });
    return ledger;
};

const createRecord = (ledger: InMemoryLedger, doctor: FakeClientIdentity, recordId: string) =>
    call(ledger, doctor, 'create_record', { record_id: recordId, patient, plaintext_hash: 'd'.repeat(64), ciphertext_hash: 'e'.repeat(64) });

test('a certificate with account_id writes as that account', async () => {
    const ledger = await ledgerWithEnrolledDoctor();
    const doctor = new FakeClientIdentity('HospitalAMSP', 'drsmith', { role: 'doctor', document_id_hash: documentHash, account_id: permissionChainAccount });

    const record = await createRecord(ledger, doctor, 'ehr-1');

    assert.equal(record.author, permissionChainAccount);
});

test('a certificate without account_id writes as the hash of MSP id and X.509 id', async () => {
    const ledger = await ledgerWithEnrolledDoctor();
    const doctor = new FakeClientIdentity('HospitalAMSP', 'drsmith', { role: 'doctor', document_id_hash: documentHash });

    const record = await createRecord(ledger, doctor, 'ehr-2');

    assert.equal(record.author, accountIdOf('HospitalAMSP', doctor.getID()));
});

test('a malformed account_id is refused, not ignored', async () => {
    const ledger = await ledgerWithEnrolledDoctor();
    const doctor = new FakeClientIdentity('HospitalAMSP', 'drsmith', { role: 'doctor', document_id_hash: documentHash, account_id: '0xNOTHEX' });

    await assert.rejects(createRecord(ledger, doctor, 'ehr-3'), (error: unknown) =>
        error instanceof ContractError && error.code === 'UNKNOWN_IDENTITY');
});
