import { ContractError, Errors } from './errors';
import { isAccountId, isIpfsUri, isOrganizationId, isRecordOrTokenId, isSha256Hex } from './identifiers';

type JsonObject = { [name: string]: unknown };

const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

export const invalid = (detail: string): ContractError => new ContractError(Errors.invalidArgument, detail);

/**
 * One call's arguments: the single JSON-object argument every transaction function takes. Unknown names are refused
 * so that a misspelt optional argument cannot silently change meaning; JSON null counts as absent.
 */
export class ContractArgs {
    private constructor(private readonly args: JsonObject) {}

    /** Parses the JSON text and refuses names the function does not know. */
    public static accepting(json: string, ...allowedNames: string[]): ContractArgs {
        let parsed: unknown;
        try {
            parsed = JSON.parse(json);
        } catch {
            throw invalid('the arguments must be a JSON object');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            throw invalid('the arguments must be a JSON object');
        }
        const args = parsed as JsonObject;
        for (const name of Object.keys(args)) {
            if (!allowedNames.includes(name)) {
                throw invalid(`unknown argument '${name}'`);
            }
        }
        return new ContractArgs(args);
    }

    public account(name: string): string {
        return this.checked(name, isAccountId, 'an account id (0x + 64 lower-case hex digits)');
    }

    public sha256(name: string): string {
        return this.checked(name, isSha256Hex, '64 lower-case hex digits');
    }

    public id(name: string): string {
        return this.checked(name, isRecordOrTokenId, 'an id of 1-128 characters A-Z a-z 0-9 . _ : -');
    }

    public organization(name: string): string {
        return this.checked(name, isOrganizationId, 'an organisation id of 1-64 characters A-Z a-z 0-9 . _ -');
    }

    public ipfsUri(name: string): string {
        return this.checked(name, isIpfsUri, 'ipfs://<CID>');
    }

    /** A display text of at most maxLength UTF-16 units without control characters (as .NET's char.IsControl). */
    public optionalText(name: string, maxLength: number): string | null {
        if (this.isAbsent(name)) {
            return null;
        }
        const value = this.requiredString(name);
        if (value.length > maxLength || controlCharacters.test(value)) {
            throw invalid(`'${name}' must be at most ${maxLength} characters without control characters`);
        }
        return value;
    }

    /**
     * A positive JSON integer. Numbers beyond 2^53 are refused: JavaScript cannot hold them exactly, and an endorser
     * must never round a version.
     */
    public positiveInteger(name: string): number {
        if (this.isAbsent(name)) {
            throw invalid(`missing argument '${name}'`);
        }
        const value = this.args[name];
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
            throw invalid(`'${name}' must be a positive integer`);
        }
        return value;
    }

    /** Distinct ids; null when absent, so that callers can tell "keep" from "empty". */
    public optionalIdList(name: string): string[] | null {
        if (this.isAbsent(name)) {
            return null;
        }
        const value = this.args[name];
        if (!Array.isArray(value)) {
            throw invalid(`'${name}' must be an array of ids`);
        }
        const ids: string[] = [];
        for (const item of value) {
            if (typeof item !== 'string' || !isRecordOrTokenId(item)) {
                throw invalid(`'${name}' must be an array of ids of 1-128 characters A-Z a-z 0-9 . _ : -`);
            }
            if (ids.includes(item)) {
                throw invalid(`'${name}' lists '${item}' twice`);
            }
            ids.push(item);
        }
        return ids;
    }

    private isAbsent(name: string): boolean {
        return !Object.prototype.hasOwnProperty.call(this.args, name) || this.args[name] === null;
    }

    private requiredString(name: string): string {
        if (this.isAbsent(name)) {
            throw invalid(`missing argument '${name}'`);
        }
        const value = this.args[name];
        if (typeof value !== 'string') {
            throw invalid(`'${name}' must be a string`);
        }
        return value;
    }

    private checked(name: string, isValid: (value: string) => boolean, shape: string): string {
        const value = this.requiredString(name);
        if (!isValid(value)) {
            throw invalid(`'${name}' must be ${shape}`);
        }
        return value;
    }
}
