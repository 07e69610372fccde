import { ContractError, Errors } from './errors';
import { isSha256Hex } from './identifiers';
import { Attributes, Tables } from './keys';
import { Ledger } from './ledger';
import { DoctorEnrollment, Organization } from './models';

/** Organisations of the private chain, their enrolled doctors, and who the caller is among them. */
export class Membership {
    public constructor(private readonly ledger: Ledger) {}

    public async register(organizationId: string, name: string | null): Promise<Organization> {
        const caller = this.ledger.caller;
        if (caller.role !== Attributes.networkAdminRole) {
            throw new ContractError(Errors.notNetworkAdmin, 'only a network admin registers organisations');
        }
        const key = this.ledger.key(Tables.organization, organizationId);
        if (await this.ledger.exists(key)) {
            throw new ContractError(Errors.organizationExists, `organisation ${organizationId} is already registered`);
        }
        const organization: Organization = {
            organization_id: organizationId,
            name,
            registered_by: caller.accountId,
            registered_at: this.ledger.timestamp,
        };
        await this.ledger.put(key, organization);
        this.ledger.emit('OrganizationRegistered', { organization_id: organizationId, name });
        return organization;
    }

    public async requireOrganization(organizationId: string): Promise<Organization> {
        const organization = await this.ledger.get<Organization>(this.ledger.key(Tables.organization, organizationId));
        if (organization === null) {
            throw new ContractError(Errors.organizationNotFound, `organisation ${organizationId} is not registered`);
        }
        return organization;
    }

    public listOrganizations(): Promise<Organization[]> {
        return this.ledger.scan<Organization>(Tables.organization);
    }

    public findDoctor(documentIdHash: string): Promise<DoctorEnrollment | null> {
        return this.ledger.get<DoctorEnrollment>(this.ledger.key(Tables.doctor, documentIdHash));
    }

    /** Enrols a doctor in the caller's own organisation; enrolling the same doctor again changes nothing. */
    public async enroll(documentIdHash: string): Promise<DoctorEnrollment> {
        const caller = this.ledger.caller;
        const organizationId = caller.organization;
        if (caller.role !== Attributes.organizationAdminRole || organizationId === null) {
            throw new ContractError(Errors.notOrganizationAdmin, "only an organisation's admin enrols its doctors");
        }
        await this.requireOrganization(organizationId);
        const existing = await this.findDoctor(documentIdHash);
        if (existing !== null) {
            if (existing.organization !== organizationId) {
                throw new ContractError(Errors.doctorEnrolledElsewhere, `this doctor is enrolled in ${existing.organization}`);
            }
            return existing;
        }
        const enrollment: DoctorEnrollment = {
            document_id_hash: documentIdHash,
            organization: organizationId,
            enrolled_by: caller.accountId,
            enrolled_at: this.ledger.timestamp,
        };
        await this.ledger.put(this.ledger.key(Tables.doctor, documentIdHash), enrollment);
        this.ledger.emit('DoctorEnrolled', { document_id_hash: documentIdHash, organization: organizationId });
        return enrollment;
    }

    /** The caller's organisation when the caller is a doctor enrolled there; otherwise NOT_ENROLLED_DOCTOR. */
    public async requireCallerEnrolledDoctor(): Promise<string> {
        const caller = this.ledger.caller;
        const documentIdHash = caller.documentIdHash;
        if (caller.role === Attributes.doctorRole && caller.organization !== null
            && documentIdHash !== null && isSha256Hex(documentIdHash)
            && (await this.findDoctor(documentIdHash))?.organization === caller.organization) {
            return caller.organization;
        }
        throw new ContractError(Errors.notEnrolledDoctor, "only a doctor enrolled in the caller's organisation may write");
    }
}
