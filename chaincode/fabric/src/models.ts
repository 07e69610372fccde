/*
 * State values, results and event payloads. Objects are always built with their keys in this order, so every
 * endorser serialises a value to the same bytes (the C# devnet contract writes the same order).
 */

export interface Organization {
    organization_id: string;
    name: string | null;
    registered_by: string;
    registered_at: number;
}

export interface DoctorEnrollment {
    document_id_hash: string;
    organization: string;
    enrolled_by: string;
    enrolled_at: number;
}

export interface EhrRecord {
    record_id: string;
    patient: string;
    version: number;
    plaintext_hash: string;
    ciphertext_hash: string;
    image_token_ids: string[];
    author: string;
    organization: string;
    created_at: number;
    updated_at: number;
}

export interface RecordHistoryEntry {
    transaction_id: string;
    timestamp: number;
    record: EhrRecord;
}

export interface ImageToken {
    token_id: string;
    owner: string;
    record_id: string;
    token_uri: string;
    content_hash: string;
    minted_by: string;
    organization: string;
    minted_at: number;
}

/** Index entry: the id of a record or token listed under a patient. */
export interface IdIndex {
    id: string;
}

/** The data of a new record version, as the writing doctor gives it. */
export interface RecordContent {
    plaintext_hash: string;
    ciphertext_hash: string;
    image_token_ids: string[] | null;
}
