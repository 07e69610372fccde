import { createHash } from 'crypto';
import { Context } from 'fabric-contract-api';
import { ContractError, Errors } from './errors';
import { isAccountId } from './identifiers';
import { Attributes } from './keys';

/** Who called, as the peer established it from the client certificate, never as claimed in arguments. */
export interface Caller {
    /**
     * The certificate's `account_id` attribute when its CA set one; otherwise "0x" + hex SHA-256 of MSP id, U+0000 and
     * the certificate's X.509 id (subject and issuer).
     */
    accountId: string;
    /** The MSP id, or null when there is none (only the unit tests' plain accounts). */
    organization: string | null;
    role: string | null;
    documentIdHash: string | null;
}

/** A Fabric timestamp: seconds are a Long in getTxTimestamp() and a plain number in history entries. */
interface FabricTimestamp {
    seconds: number | { toNumber(): number };
    nanos: number;
}

export const toUnixMillis = (timestamp: FabricTimestamp): number => {
    const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : timestamp.seconds.toNumber();
    return seconds * 1000 + Math.floor(timestamp.nanos / 1_000_000);
};

/**
 * The account id of a Fabric identity. Subject and issuer (getID) rather than the public key, so that a renewed
 * certificate keeps its holder's account; the MSP id keeps equal subjects of two organisations apart.
 */
export const accountIdOf = (mspId: string, x509Id: string): string =>
    '0x' + createHash('sha256').update(`${mspId}\u0000${x509Id}`, 'utf8').digest('hex');

/**
 * The caller's account: the CA-set attribute `account_id` when present, so that an enrolment authority can give a
 * member the account it already has elsewhere (HybridEhr's FabricGateway issues doctors certificates carrying their
 * permission-chain account, so `author` and `minted_by` name the same account on both chains); otherwise derived from
 * the certificate. Either way it comes from the certificate the MSP validated, never from arguments. A malformed
 * attribute is refused rather than ignored: falling back would silently make the caller someone else.
 */
export const callerAccountOf = (mspId: string, x509Id: string, accountAttribute: string | null): string => {
    if (accountAttribute === null) {
        return accountIdOf(mspId, x509Id);
    }
    if (!isAccountId(accountAttribute)) {
        throw new ContractError(Errors.unknownIdentity, "the certificate's account_id attribute is not 0x followed by 64 lower-case hex digits");
    }
    return accountAttribute;
};

export interface KeyModification {
    transactionId: string;
    timestamp: number;
    value: Uint8Array;
    isDelete: boolean;
}

/**
 * What the contract sees of the chain in one call: caller, block-independent transaction time and JSON state under
 * composite keys (table name + id parts). Reads see committed state only, as on Fabric; no rule here reads its own
 * writes.
 */
export class Ledger {
    private readonly encoder = new TextEncoder();
    private readonly decoder = new TextDecoder();

    public constructor(private readonly ctx: Context) {}

    public get caller(): Caller {
        const identity = this.ctx.clientIdentity;
        const mspId = identity.getMSPID();
        return {
            accountId: callerAccountOf(mspId, identity.getID(), identity.getAttributeValue(Attributes.accountId)),
            organization: mspId === '' ? null : mspId,
            role: identity.getAttributeValue(Attributes.role),
            documentIdHash: identity.getAttributeValue(Attributes.documentIdHash),
        };
    }

    /** The transaction's timestamp in Unix milliseconds: the same on every endorser, unlike the wall clock. */
    public get timestamp(): number {
        return toUnixMillis(this.ctx.stub.getTxTimestamp());
    }

    public key(table: string, ...parts: string[]): string {
        return this.ctx.stub.createCompositeKey(table, parts);
    }

    public async get<T>(key: string): Promise<T | null> {
        const bytes = await this.ctx.stub.getState(key);
        return bytes && bytes.length > 0 ? (JSON.parse(this.decoder.decode(bytes)) as T) : null;
    }

    public async exists(key: string): Promise<boolean> {
        const bytes = await this.ctx.stub.getState(key);
        return !!bytes && bytes.length > 0;
    }

    public async put(key: string, value: object): Promise<void> {
        await this.ctx.stub.putState(key, this.encoder.encode(JSON.stringify(value)));
    }

    /** Values under a partial composite key, in key order (LevelDB and CouchDB both order by key). */
    public async scan<T>(table: string, ...parts: string[]): Promise<T[]> {
        const values: T[] = [];
        for await (const entry of this.ctx.stub.getStateByPartialCompositeKey(table, parts)) {
            values.push(JSON.parse(this.decoder.decode(entry.value)) as T);
        }
        return values;
    }

    /** Every committed modification of a key, oldest first (Fabric 2.x returns newest first). */
    public async history(key: string): Promise<KeyModification[]> {
        const modifications: KeyModification[] = [];
        for await (const entry of this.ctx.stub.getHistoryForKey(key)) {
            modifications.push({
                transactionId: entry.txId,
                timestamp: toUnixMillis(entry.timestamp),
                value: entry.value,
                isDelete: entry.isDelete,
            });
        }
        return modifications.reverse();
    }

    public decode<T>(bytes: Uint8Array): T {
        return JSON.parse(this.decoder.decode(bytes)) as T;
    }

    /** Fabric keeps one event per transaction; the contract emits at most one. */
    public emit(name: string, payload: object): void {
        this.ctx.stub.setEvent(name, this.encoder.encode(JSON.stringify(payload)));
    }
}
