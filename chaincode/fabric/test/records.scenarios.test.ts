import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolve } from 'path';
import { Context } from 'fabric-contract-api';
import { ContractError } from '../src/errors';
import { accountIdOf } from '../src/ledger';
import { RecordsContract } from '../src/recordsContract';
import { EmittedEvent, FakeClientIdentity, InMemoryLedger, contextOf } from './inMemoryLedger';
import {
    Json, ScenarioFile, Step, jsonContains, jsonEquals, loadScenarioFiles, resolvePlaceholders, scenarioStartMs, unorderedMatch,
} from './scenarios';

const specDirectory = resolve(__dirname, '../../../spec');

type Outcome = { ok: true; result: Json } | { ok: false; code: string; message: string };

interface TransactionMetadata {
    name: string;
    tag: string[];
}

/** Which functions are transactions and which are queries, as fabric-contract-api's decorators recorded them. */
const declaredFunctions = (): Map<string, { isQuery: boolean }> => {
    const reflect = Reflect as unknown as { getMetadata(key: string, target: object): TransactionMetadata[] | undefined };
    const transactions = reflect.getMetadata('fabric:transactions', RecordsContract.prototype) ?? [];
    return new Map(transactions.map((transaction) => [transaction.name, { isQuery: transaction.tag.includes('EVALUATE') }]));
};

const functions = declaredFunctions();
const contract = new RecordsContract();

/** Calls one function the way fabric-contract-api dispatches it: a declared function or unknownTransaction. */
const invoke = async (ctx: Context, fcn: string, argsJson: string): Promise<Outcome> => {
    try {
        const declared = functions.has(fcn);
        const returned = declared
            ? await (contract as unknown as Record<string, (c: Context, a: string) => Promise<string>>)[fcn](ctx, argsJson)
            : await contract.unknownTransaction(ctx);
        return { ok: true, result: JSON.parse(returned as string) as Json };
    } catch (error) {
        if (error instanceof ContractError) {
            assert.ok(error.message.startsWith(`${error.code}: `), `the message starts with the code: ${error.message}`);
            return { ok: false, code: error.code, message: error.message };
        }
        throw error;
    }
};

/** One scenario on a fresh ledger, with the scenario's clock as every transaction's timestamp. */
const runScenario = async (file: ScenarioFile, steps: Step[]): Promise<void> => {
    const ledger = new InMemoryLedger();
    const identities = new Map<string, FakeClientIdentity>();
    const accounts = new Map<string, string>();
    const accountOf = (actor: string): string => {
        const account = accounts.get(actor);
        assert.ok(account, `unknown actor ${actor}`);
        return account;
    };
    for (const [name, actor] of Object.entries(file.actors)) {
        const mspId = actor.organization ?? '';
        const identity = new FakeClientIdentity(mspId, name, {});
        accounts.set(name, accountIdOf(mspId, identity.getID()));
        identities.set(name, identity);
    }
    for (const [name, actor] of Object.entries(file.actors)) {
        const attributes = resolvePlaceholders((actor.attributes ?? {}) as Json, accountOf) as Record<string, string>;
        identities.set(name, new FakeClientIdentity(actor.organization ?? '', name, attributes));
    }

    let clock = scenarioStartMs;
    for (const [index, step] of steps.entries()) {
        clock += step.advanceClockMs ?? 0;
        if (step.function === undefined) {
            continue;
        }
        const where = `step ${index + 1} (${step.caller} → ${step.function})`;
        const args = resolvePlaceholders((step.args ?? {}) as Json, accountOf);
        const argsJson = JSON.stringify(args);
        const stub = ledger.newStub(step.function, [argsJson], clock);
        const outcome = await invoke(contextOf(stub, identities.get(step.caller!)!), step.function, argsJson);
        const isQuery = functions.get(step.function)?.isQuery ?? false;

        const events: EmittedEvent[] = [];
        if (outcome.ok && isQuery) {
            assert.equal(stub.writes.size, 0, `${where}: a query must not write`);
            assert.equal(stub.event, null, `${where}: a query must not emit`);
        } else if (outcome.ok) {
            ledger.commit(stub);
            if (stub.event) {
                events.push(stub.event);
            }
        }

        checkExpectation(step, outcome, accountOf, where);
        if (step.expectEvents !== undefined) {
            const expected = resolvePlaceholders(step.expectEvents as unknown as Json, accountOf) as unknown as { name: string; payload?: Json }[];
            const actual = events.map((event) => ({ name: event.name, payload: JSON.parse(new TextDecoder().decode(event.payload)) as Json }));
            assert.equal(actual.length, expected.length, `${where}: events ${JSON.stringify(actual)}`);
            expected.forEach((event, i) => {
                assert.equal(actual[i].name, event.name, `${where}: event ${i + 1}`);
                if (event.payload !== undefined) {
                    assert.ok(jsonContains(event.payload, actual[i].payload), `${where}: event payload ${JSON.stringify(actual[i].payload)}`);
                }
            });
        }
    }
};

const checkExpectation = (step: Step, outcome: Outcome, accountOf: (actor: string) => string, where: string): void => {
    const expect = step.expect ?? {};
    const describeOutcome = outcome.ok ? `result ${JSON.stringify(outcome.result)}` : `error ${outcome.message}`;
    if (expect.error !== undefined) {
        assert.ok(!outcome.ok && outcome.code === expect.error, `${where}: expected ${expect.error}, got ${describeOutcome}`);
        return;
    }
    assert.ok(outcome.ok, `${where}: expected success, got ${describeOutcome}`);
    const check = (expectedRaw: Json, matches: (e: Json, a: Json) => boolean): void => {
        const expected = resolvePlaceholders(expectedRaw, accountOf);
        const ok = expect.unordered === true
            ? Array.isArray(expected) && Array.isArray(outcome.result) && unorderedMatch(expected, outcome.result, matches)
            : matches(expected, outcome.result);
        assert.ok(ok, `${where}: expected ${JSON.stringify(expected)}, got ${describeOutcome}`);
    };
    if (expect.result !== undefined) {
        check(expect.result, jsonEquals);
    }
    if (expect.resultContains !== undefined) {
        check(expect.resultContains, jsonContains);
    }
};

const files = loadScenarioFiles(specDirectory, 'records');

test('the spec folder holds records scenarios', () => {
    assert.ok(files.length >= 4, `found ${files.length} records files in ${specDirectory}`);
});

test('the contract declares every function of the spec, with its kind', () => {
    const queries = ['get_organization', 'list_organizations', 'is_enrolled_doctor', 'get_record', 'get_record_history',
        'list_records_of_patient', 'get_token', 'owner_of', 'tokens_of'];
    const transactions = ['register_organization', 'enroll_doctor', 'create_record', 'update_record', 'mint_image', 'transfer_token'];
    assert.deepEqual([...functions.keys()].sort(), [...queries, ...transactions].sort());
    for (const name of queries) {
        assert.equal(functions.get(name)?.isQuery, true, name);
    }
    for (const name of transactions) {
        assert.equal(functions.get(name)?.isQuery, false, name);
    }
});

for (const file of files) {
    describe(file.fileName, () => {
        for (const scenario of file.scenarios) {
            test(scenario.name, () => runScenario(file, scenario.steps));
        }
    });
}
