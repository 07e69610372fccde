import Long from 'long';
import { Context } from 'fabric-contract-api';

/** A committed version of a key, as Fabric's history database keeps it. */
interface StoredModification {
    txId: string;
    seconds: number;
    nanos: number;
    value: Uint8Array;
    isDelete: boolean;
}

/** One event as the transaction carries it (Fabric keeps only the last setEvent of a transaction). */
export interface EmittedEvent {
    name: string;
    payload: Uint8Array;
}

const separator = '\u0000';

const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The world state and history of one channel, in memory. Each call gets a stub that reads committed state and
 * buffers its writes and event; commit() applies them as one valid transaction would.
 */
export class InMemoryLedger {
    private readonly state = new Map<string, Uint8Array>();
    private readonly history = new Map<string, StoredModification[]>();
    private transactionCount = 0;

    public newStub(fcn: string, params: string[], timestampMs: number): InMemoryChaincodeStub {
        this.transactionCount += 1;
        const txId = `tx${this.transactionCount.toString().padStart(6, '0')}`;
        return new InMemoryChaincodeStub(this, txId, fcn, params, timestampMs);
    }

    public read(key: string): Uint8Array | undefined {
        return this.state.get(key);
    }

    public keysInOrder(): string[] {
        return [...this.state.keys()].sort(compareKeys);
    }

    /** Newest first, as Fabric 2.x's GetHistoryForKey returns them. */
    public historyOf(key: string): StoredModification[] {
        return [...(this.history.get(key) ?? [])].reverse();
    }

    public commit(stub: InMemoryChaincodeStub): void {
        for (const [key, value] of stub.writes) {
            if (value === null) {
                this.state.delete(key);
            } else {
                this.state.set(key, value);
            }
            const modifications = this.history.get(key) ?? [];
            modifications.push({
                txId: stub.getTxID(),
                seconds: Math.floor(stub.timestampMs / 1000),
                nanos: (stub.timestampMs % 1000) * 1_000_000,
                value: value ?? new Uint8Array(),
                isDelete: value === null,
            });
            this.history.set(key, modifications);
        }
    }
}

/** The part of fabric-shim's ChaincodeStub the records contract uses, over an InMemoryLedger. */
export class InMemoryChaincodeStub {
    /** Buffered writes in call order; null = delete. */
    public readonly writes = new Map<string, Uint8Array | null>();
    public event: EmittedEvent | null = null;

    public constructor(
        private readonly ledger: InMemoryLedger,
        private readonly txId: string,
        private readonly fcn: string,
        private readonly params: string[],
        public readonly timestampMs: number,
    ) {}

    public getTxID(): string {
        return this.txId;
    }

    public getFunctionAndParameters(): { fcn: string; params: string[] } {
        return { fcn: this.fcn, params: this.params };
    }

    public getTxTimestamp(): { seconds: Long; nanos: number } {
        return {
            seconds: Long.fromNumber(Math.floor(this.timestampMs / 1000), true),
            nanos: (this.timestampMs % 1000) * 1_000_000,
        };
    }

    /** Committed state only: Fabric does not let a transaction read its own writes. */
    public async getState(key: string): Promise<Uint8Array> {
        return this.ledger.read(key) ?? new Uint8Array();
    }

    public async putState(key: string, value: Uint8Array): Promise<void> {
        if (key === '') {
            throw new Error('key must not be empty');
        }
        this.writes.set(key, value);
    }

    public async deleteState(key: string): Promise<void> {
        this.writes.set(key, null);
    }

    public createCompositeKey(objectType: string, attributes: string[]): string {
        for (const part of [objectType, ...attributes]) {
            if (part.includes(separator)) {
                throw new Error('composite key parts must not contain U+0000');
            }
        }
        return separator + objectType + separator + attributes.map((attribute) => attribute + separator).join('');
    }

    /** Simple keys only, as on Fabric (composite keys live in their own namespace). */
    public getStateByRange(startKey: string, endKey: string): AsyncIterable<{ key: string; value: Uint8Array }> {
        const keys = this.ledger.keysInOrder().filter((key) => !key.startsWith(separator)
            && (startKey === '' || compareKeys(key, startKey) >= 0) && (endKey === '' || compareKeys(key, endKey) < 0));
        return this.entries(keys);
    }

    public getStateByPartialCompositeKey(objectType: string, attributes: string[]): AsyncIterable<{ key: string; value: Uint8Array }> {
        const prefix = this.createCompositeKey(objectType, attributes);
        return this.entries(this.ledger.keysInOrder().filter((key) => key.startsWith(prefix)));
    }

    public getHistoryForKey(key: string): AsyncIterable<{ txId: string; timestamp: { seconds: number; nanos: number }; value: Uint8Array; isDelete: boolean }> {
        const modifications = this.ledger.historyOf(key);
        return (async function* () {
            for (const modification of modifications) {
                // Plain numbers, as fabric-shim's history iterator gives them (protobuf toObject()).
                yield {
                    txId: modification.txId,
                    timestamp: { seconds: modification.seconds, nanos: modification.nanos },
                    value: modification.value,
                    isDelete: modification.isDelete,
                };
            }
        })();
    }

    public setEvent(name: string, payload: Uint8Array): void {
        if (name === '') {
            throw new Error('Event name must be a non-empty string');
        }
        this.event = { name, payload };
    }

    private entries(keys: string[]): AsyncIterable<{ key: string; value: Uint8Array }> {
        const ledger = this.ledger;
        return (async function* () {
            for (const key of keys) {
                const value = ledger.read(key);
                if (value !== undefined) {
                    yield { key, value };
                }
            }
        })();
    }
}

/** A client identity as fabric-shim's ClientIdentity shows it: MSP id, X.509 id and certificate attributes. */
export class FakeClientIdentity {
    public constructor(
        private readonly mspId: string,
        private readonly commonName: string,
        private readonly attributes: Record<string, string>,
    ) {}

    public getMSPID(): string {
        return this.mspId;
    }

    public getID(): string {
        const issuer = `CN=ca.${this.mspId || 'none'}`;
        return `x509::CN=${this.commonName},OU=client::${issuer}`;
    }

    public getIDBytes(): Uint8Array {
        return new TextEncoder().encode(this.getID());
    }

    public getAttributeValue(name: string): string | null {
        return Object.prototype.hasOwnProperty.call(this.attributes, name) ? this.attributes[name] : null;
    }

    public assertAttributeValue(name: string, value: string): boolean {
        return this.getAttributeValue(name) === value;
    }
}

/** A fabric-contract-api Context over the fakes (they cover what the contract calls, not the whole interfaces). */
export const contextOf = (stub: InMemoryChaincodeStub, identity: FakeClientIdentity): Context => {
    const ctx = new Context();
    ctx.stub = stub as unknown as Context['stub'];
    ctx.clientIdentity = identity as unknown as Context['clientIdentity'];
    return ctx;
};
