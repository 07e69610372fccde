import { createHash } from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/*
 * The language-neutral scenario format of chaincode/spec (see its README): loading, placeholder resolution and the
 * JSON comparisons. Unknown keys anywhere are an error, so a misspelt expectation cannot silently switch a check off.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Actor {
    organization?: string;
    attributes?: Record<string, string>;
}

export interface Expectation {
    result?: Json;
    resultContains?: Json;
    error?: string;
    unordered?: boolean;
}

export interface ExpectedEvent {
    name: string;
    payload?: Json;
}

export interface Step {
    note?: string;
    advanceClockMs?: number;
    caller?: string;
    function?: string;
    args?: { [key: string]: Json };
    expect?: Expectation;
    expectEvents?: ExpectedEvent[];
}

export interface Scenario {
    name: string;
    description?: string;
    steps: Step[];
}

export interface ScenarioFile {
    fileName: string;
    contract: string;
    description?: string;
    actors: Record<string, Actor>;
    scenarios: Scenario[];
}

export const scenarioStartMs = 1767225600000;

const allowedKeys = {
    file: ['contract', 'description', 'actors', 'scenarios'],
    actor: ['organization', 'attributes'],
    scenario: ['name', 'description', 'steps'],
    step: ['note', 'advanceClockMs', 'caller', 'function', 'args', 'expect', 'expectEvents'],
    expect: ['result', 'resultContains', 'error', 'unordered'],
    event: ['name', 'payload'],
};

const requireKnownKeys = (value: object, allowed: string[], where: string): void => {
    for (const key of Object.keys(value)) {
        if (!allowed.includes(key)) {
            throw new Error(`${where}: unknown key '${key}'`);
        }
    }
};

const validate = (file: ScenarioFile): void => {
    const where = file.fileName;
    requireKnownKeys(file, [...allowedKeys.file, 'fileName'], where);
    for (const [name, actor] of Object.entries(file.actors)) {
        requireKnownKeys(actor, allowedKeys.actor, `${where} actor ${name}`);
    }
    for (const scenario of file.scenarios) {
        requireKnownKeys(scenario, allowedKeys.scenario, `${where} scenario '${scenario.name}'`);
        scenario.steps.forEach((step, index) => {
            const stepWhere = `${where} scenario '${scenario.name}' step ${index + 1}`;
            requireKnownKeys(step, allowedKeys.step, stepWhere);
            if (step.expect) {
                requireKnownKeys(step.expect, allowedKeys.expect, stepWhere);
            }
            for (const event of step.expectEvents ?? []) {
                requireKnownKeys(event, allowedKeys.event, stepWhere);
            }
            if (step.function !== undefined && (step.caller === undefined || !(step.caller in file.actors))) {
                throw new Error(`${stepWhere}: caller '${step.caller}' is not an actor of the file`);
            }
        });
    }
};

/** Every scenario file of one contract in the spec folder, validated. */
export const loadScenarioFiles = (specDirectory: string, contract: string): ScenarioFile[] =>
    readdirSync(specDirectory)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => ({ ...JSON.parse(readFileSync(join(specDirectory, name), 'utf8')), fileName: name }) as ScenarioFile)
        .filter((file) => file.contract === contract)
        .map((file) => {
            validate(file);
            return file;
        });

/** Replaces $actor:NAME, $sha256:TEXT and $$TEXT in every string of a JSON value; any other $-string is an error. */
export const resolvePlaceholders = (value: Json, accountOf: (actor: string) => string): Json => {
    if (typeof value === 'string') {
        if (!value.startsWith('$')) {
            return value;
        }
        if (value.startsWith('$$')) {
            return value.substring(1);
        }
        if (value.startsWith('$actor:')) {
            return accountOf(value.substring('$actor:'.length));
        }
        if (value.startsWith('$sha256:')) {
            return createHash('sha256').update(value.substring('$sha256:'.length), 'utf8').digest('hex');
        }
        throw new Error(`unknown placeholder '${value}'`);
    }
    if (Array.isArray(value)) {
        return value.map((item) => resolvePlaceholders(item, accountOf));
    }
    if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolvePlaceholders(item, accountOf)]));
    }
    return value;
};

const isObject = (value: Json): value is { [key: string]: Json } =>
    value !== null && typeof value === 'object' && !Array.isArray(value);

/** JSON equality: object key order ignored, no extra keys. */
export const jsonEquals = (expected: Json, actual: Json): boolean => {
    if (Array.isArray(expected)) {
        return Array.isArray(actual) && expected.length === actual.length
            && expected.every((item, index) => jsonEquals(item, actual[index]));
    }
    if (isObject(expected)) {
        return isObject(actual) && Object.keys(expected).length === Object.keys(actual).length
            && Object.keys(expected).every((key) => key in actual && jsonEquals(expected[key], actual[key]));
    }
    return expected === actual;
};

/** Subset match: named keys must match recursively, arrays element by element with equal lengths. */
export const jsonContains = (expected: Json, actual: Json): boolean => {
    if (Array.isArray(expected)) {
        return Array.isArray(actual) && expected.length === actual.length
            && expected.every((item, index) => jsonContains(item, actual[index]));
    }
    if (isObject(expected)) {
        return isObject(actual) && Object.keys(expected).every((key) => key in actual && jsonContains(expected[key], actual[key]));
    }
    return expected === actual;
};

/** Top-level arrays as multisets: some one-to-one pairing of expected and actual items matches. */
export const unorderedMatch = (expected: Json[], actual: Json[], matches: (e: Json, a: Json) => boolean): boolean => {
    if (expected.length !== actual.length) {
        return false;
    }
    const used = new Array<boolean>(actual.length).fill(false);
    const pair = (index: number): boolean => {
        if (index === expected.length) {
            return true;
        }
        for (let candidate = 0; candidate < actual.length; candidate++) {
            if (!used[candidate] && matches(expected[index], actual[candidate])) {
                used[candidate] = true;
                if (pair(index + 1)) {
                    return true;
                }
                used[candidate] = false;
            }
        }
        return false;
    };
    return pair(0);
};
