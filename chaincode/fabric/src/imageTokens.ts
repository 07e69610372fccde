import { ContractError, Errors } from './errors';
import { Tables } from './keys';
import { Ledger } from './ledger';
import { EhrRecord, IdIndex, ImageToken } from './models';

/** Soulbound image NFTs: minted to a patient, never transferred. */
export class ImageTokens {
    public constructor(private readonly ledger: Ledger) {}

    public async require(tokenId: string): Promise<ImageToken> {
        const token = await this.ledger.get<ImageToken>(this.ledger.key(Tables.token, tokenId));
        if (token === null) {
            throw new ContractError(Errors.tokenNotFound, `token ${tokenId} does not exist`);
        }
        return token;
    }

    /**
     * Mints before or after its record exists (images are usually minted first, then listed by the record); when the
     * record exists already it must belong to the same patient.
     */
    public async mint(token: ImageToken, record: EhrRecord | null): Promise<ImageToken> {
        const key = this.ledger.key(Tables.token, token.token_id);
        if (await this.ledger.exists(key)) {
            throw new ContractError(Errors.tokenExists, `token ${token.token_id} already exists`);
        }
        if (record !== null && record.patient !== token.owner) {
            throw new ContractError(Errors.patientMismatch, `record ${record.record_id} belongs to another patient`);
        }
        await this.ledger.put(key, token);
        const index: IdIndex = { id: token.token_id };
        await this.ledger.put(this.ledger.key(Tables.ownerToken, token.owner, token.token_id), index);
        this.ledger.emit('ImageMinted', {
            token_id: token.token_id,
            owner: token.owner,
            record_id: token.record_id,
            token_uri: token.token_uri,
            content_hash: token.content_hash,
        });
        return token;
    }

    public async tokensOf(owner: string): Promise<string[]> {
        const entries = await this.ledger.scan<IdIndex>(Tables.ownerToken, owner);
        return entries.map((entry) => entry.id);
    }

    /** A record may only list images minted for it and owned by its patient. */
    public async requireImagesOf(recordId: string, patient: string, tokenIds: string[]): Promise<void> {
        for (const tokenId of tokenIds) {
            const token = await this.require(tokenId);
            if (token.owner !== patient) {
                throw new ContractError(Errors.patientMismatch, `token ${tokenId} belongs to another patient`);
            }
            if (token.record_id !== recordId) {
                throw new ContractError(Errors.tokenRecordMismatch, `token ${tokenId} was minted for record ${token.record_id}`);
            }
        }
    }
}
