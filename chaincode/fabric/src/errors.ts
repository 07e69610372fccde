/**
 * A broken contract rule. The message starts with the stable code ("NOT_ENROLLED_DOCTOR: ...") because Fabric hands
 * clients only the message text: callers match on the part before the first colon.
 */
export class ContractError extends Error {
    public readonly code: string;

    public constructor(code: string, detail: string) {
        super(`${code}: ${detail}`);
        this.name = 'ContractError';
        this.code = code;
    }
}

export const Errors = {
    invalidArgument: 'INVALID_ARGUMENT',
    unknownFunction: 'UNKNOWN_FUNCTION',
    notNetworkAdmin: 'NOT_NETWORK_ADMIN',
    organizationExists: 'ORGANIZATION_EXISTS',
    organizationNotFound: 'ORGANIZATION_NOT_FOUND',
    notOrganizationAdmin: 'NOT_ORGANIZATION_ADMIN',
    doctorEnrolledElsewhere: 'DOCTOR_ENROLLED_ELSEWHERE',
    notEnrolledDoctor: 'NOT_ENROLLED_DOCTOR',
    recordExists: 'RECORD_EXISTS',
    recordNotFound: 'RECORD_NOT_FOUND',
    versionConflict: 'VERSION_CONFLICT',
    tokenExists: 'TOKEN_EXISTS',
    tokenNotFound: 'TOKEN_NOT_FOUND',
    patientMismatch: 'PATIENT_MISMATCH',
    tokenRecordMismatch: 'TOKEN_RECORD_MISMATCH',
    soulbound: 'SOULBOUND',
    unknownIdentity: 'UNKNOWN_IDENTITY',
} as const;
