import { ContractError, Errors } from './errors';
import { ImageTokens } from './imageTokens';
import { Tables } from './keys';
import { Ledger } from './ledger';
import { EhrRecord, IdIndex, RecordContent, RecordHistoryEntry } from './models';

/** EHR anchors: versioned, never deleted; each version is one modification of the record's key. */
export class RecordBook {
    public constructor(private readonly ledger: Ledger, private readonly tokens: ImageTokens) {}

    public find(recordId: string): Promise<EhrRecord | null> {
        return this.ledger.get<EhrRecord>(this.ledger.key(Tables.record, recordId));
    }

    public async require(recordId: string): Promise<EhrRecord> {
        const record = await this.find(recordId);
        if (record === null) {
            throw new ContractError(Errors.recordNotFound, `record ${recordId} does not exist`);
        }
        return record;
    }

    public async create(recordId: string, patient: string, content: RecordContent, organization: string): Promise<EhrRecord> {
        const key = this.ledger.key(Tables.record, recordId);
        if (await this.ledger.exists(key)) {
            throw new ContractError(Errors.recordExists, `record ${recordId} already exists`);
        }
        const imageTokenIds = content.image_token_ids ?? [];
        await this.tokens.requireImagesOf(recordId, patient, imageTokenIds);
        const now = this.ledger.timestamp;
        const record: EhrRecord = {
            record_id: recordId,
            patient,
            version: 1,
            plaintext_hash: content.plaintext_hash,
            ciphertext_hash: content.ciphertext_hash,
            image_token_ids: imageTokenIds,
            author: this.ledger.caller.accountId,
            organization,
            created_at: now,
            updated_at: now,
        };
        await this.ledger.put(key, record);
        const index: IdIndex = { id: recordId };
        await this.ledger.put(this.ledger.key(Tables.patientRecord, patient, recordId), index);
        this.ledger.emit('RecordCreated', summary(record));
        return record;
    }

    /** Writes the next version; a stale expected version means someone else wrote first. */
    public async update(recordId: string, expectedVersion: number, content: RecordContent, organization: string): Promise<EhrRecord> {
        const current = await this.require(recordId);
        if (current.version !== expectedVersion) {
            throw new ContractError(Errors.versionConflict, `record ${recordId} is at version ${current.version}, not ${expectedVersion}`);
        }
        const imageTokenIds = content.image_token_ids ?? current.image_token_ids;
        await this.tokens.requireImagesOf(recordId, current.patient, imageTokenIds);
        const updated: EhrRecord = {
            record_id: current.record_id,
            patient: current.patient,
            version: current.version + 1,
            plaintext_hash: content.plaintext_hash,
            ciphertext_hash: content.ciphertext_hash,
            image_token_ids: imageTokenIds,
            author: this.ledger.caller.accountId,
            organization,
            created_at: current.created_at,
            updated_at: this.ledger.timestamp,
        };
        await this.ledger.put(this.ledger.key(Tables.record, recordId), updated);
        this.ledger.emit('RecordUpdated', summary(updated));
        return updated;
    }

    /** Needs the peer's history database (core.ledger.history.enableHistoryDatabase, on by default). */
    public async history(recordId: string): Promise<RecordHistoryEntry[]> {
        const modifications = await this.ledger.history(this.ledger.key(Tables.record, recordId));
        const entries = modifications
            .filter((modification) => !modification.isDelete && modification.value.length > 0)
            .map((modification) => ({
                transaction_id: modification.transactionId,
                timestamp: modification.timestamp,
                record: this.ledger.decode<EhrRecord>(modification.value),
            }));
        if (entries.length === 0) {
            throw new ContractError(Errors.recordNotFound, `record ${recordId} has no committed history`);
        }
        return entries;
    }

    public async ofPatient(patient: string): Promise<EhrRecord[]> {
        const entries = await this.ledger.scan<IdIndex>(Tables.patientRecord, patient);
        const records: EhrRecord[] = [];
        for (const entry of entries) {
            records.push(await this.require(entry.id));
        }
        return records;
    }
}

const summary = (record: EhrRecord): object => ({
    record_id: record.record_id,
    patient: record.patient,
    version: record.version,
    plaintext_hash: record.plaintext_hash,
    ciphertext_hash: record.ciphertext_hash,
    author: record.author,
    organization: record.organization,
});
