/**
 * State layout: composite keys (Fabric's createCompositeKey) of these tables, values UTF-8 JSON.
 *   org {organization}                  → Organization
 *   doctor {document_id_hash}           → DoctorEnrollment
 *   record {record_id}                  → EhrRecord (its key history is the record's version history)
 *   patient_record {patient} {record_id} → IdIndex
 *   token {token_id}                    → ImageToken
 *   owner_token {owner} {token_id}      → IdIndex
 * Lists are partial-composite-key scans, which work on LevelDB and CouchDB alike: no rich (CouchDB) query is used.
 */
export const Tables = {
    organization: 'org',
    doctor: 'doctor',
    record: 'record',
    patientRecord: 'patient_record',
    token: 'token',
    ownerToken: 'owner_token',
} as const;

export const Attributes = {
    role: 'role',
    documentIdHash: 'document_id_hash',
    accountId: 'account_id',
    networkAdminRole: 'network_admin',
    organizationAdminRole: 'org_admin',
    doctorRole: 'doctor',
} as const;
