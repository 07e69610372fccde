import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { ContractArgs } from './args';
import { ContractError, Errors } from './errors';
import { ImageTokens } from './imageTokens';
import { Ledger } from './ledger';
import { Membership } from './membership';
import { RecordContent } from './models';
import { RecordBook } from './recordBook';

/** The books one call works with, over one ledger view. */
interface Books {
    ledger: Ledger;
    membership: Membership;
    tokens: ImageTokens;
    records: RecordBook;
}

const booksOf = (ctx: Context): Books => {
    const ledger = new Ledger(ctx);
    const tokens = new ImageTokens(ledger);
    return { ledger, membership: new Membership(ledger), tokens, records: new RecordBook(ledger, tokens) };
};

const json = (value: unknown): string => JSON.stringify(value);

const readContent = (a: ContractArgs): RecordContent => ({
    plaintext_hash: a.sha256('plaintext_hash'),
    ciphertext_hash: a.sha256('ciphertext_hash'),
    image_token_ids: a.optionalIdList('image_token_ids'),
});

/**
 * The private chain's contract: organisations and their doctors, EHR anchors and soulbound image NFTs, with the same
 * rules as the C# devnet contract (chaincode/spec/README.md is the reference). Every function takes one argument, the
 * JSON object of its named arguments ("{}" for none), and returns its JSON result as text. The caller is the client
 * certificate (MSP id, attributes role and document_id_hash); time is the transaction timestamp.
 */
@Info({ title: 'records', description: 'HybridEhr records: organisations, doctors, EHR anchors, soulbound image NFTs' })
export class RecordsContract extends Contract {
    public constructor() {
        super('records');
    }

    @Transaction()
    @Param('args', 'string', '{organization, name?}')
    @Returns('string')
    public async register_organization(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'organization', 'name');
        const organization = a.organization('organization');
        const name = a.optionalText('name', 200);
        return json(await booksOf(ctx).membership.register(organization, name));
    }

    @Transaction(false)
    @Param('args', 'string', '{organization}')
    @Returns('string')
    public async get_organization(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'organization');
        return json(await booksOf(ctx).membership.requireOrganization(a.organization('organization')));
    }

    @Transaction(false)
    @Param('args', 'string', '{}')
    @Returns('string')
    public async list_organizations(ctx: Context, args: string): Promise<string> {
        ContractArgs.accepting(args);
        return json(await booksOf(ctx).membership.listOrganizations());
    }

    @Transaction()
    @Param('args', 'string', '{document_id_hash}')
    @Returns('string')
    public async enroll_doctor(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'document_id_hash');
        return json(await booksOf(ctx).membership.enroll(a.sha256('document_id_hash')));
    }

    @Transaction(false)
    @Param('args', 'string', '{document_id_hash}')
    @Returns('string')
    public async is_enrolled_doctor(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'document_id_hash');
        const enrollment = await booksOf(ctx).membership.findDoctor(a.sha256('document_id_hash'));
        return json(enrollment === null ? null : enrollment.organization);
    }

    @Transaction()
    @Param('args', 'string', '{record_id, patient, plaintext_hash, ciphertext_hash, image_token_ids?}')
    @Returns('string')
    public async create_record(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'record_id', 'patient', 'plaintext_hash', 'ciphertext_hash', 'image_token_ids');
        const recordId = a.id('record_id');
        const patient = a.account('patient');
        const content = readContent(a);
        const books = booksOf(ctx);
        const organization = await books.membership.requireCallerEnrolledDoctor();
        return json(await books.records.create(recordId, patient, content, organization));
    }

    @Transaction()
    @Param('args', 'string', '{record_id, expected_version, plaintext_hash, ciphertext_hash, image_token_ids?}')
    @Returns('string')
    public async update_record(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'record_id', 'expected_version', 'plaintext_hash', 'ciphertext_hash', 'image_token_ids');
        const recordId = a.id('record_id');
        const expectedVersion = a.positiveInteger('expected_version');
        const content = readContent(a);
        const books = booksOf(ctx);
        const organization = await books.membership.requireCallerEnrolledDoctor();
        return json(await books.records.update(recordId, expectedVersion, content, organization));
    }

    @Transaction(false)
    @Param('args', 'string', '{record_id}')
    @Returns('string')
    public async get_record(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'record_id');
        return json(await booksOf(ctx).records.require(a.id('record_id')));
    }

    @Transaction(false)
    @Param('args', 'string', '{record_id}')
    @Returns('string')
    public async get_record_history(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'record_id');
        return json(await booksOf(ctx).records.history(a.id('record_id')));
    }

    @Transaction(false)
    @Param('args', 'string', '{patient}')
    @Returns('string')
    public async list_records_of_patient(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'patient');
        return json(await booksOf(ctx).records.ofPatient(a.account('patient')));
    }

    @Transaction()
    @Param('args', 'string', '{token_id, patient, record_id, token_uri, content_hash}')
    @Returns('string')
    public async mint_image(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'token_id', 'patient', 'record_id', 'token_uri', 'content_hash');
        const tokenId = a.id('token_id');
        const patient = a.account('patient');
        const recordId = a.id('record_id');
        const tokenUri = a.ipfsUri('token_uri');
        const contentHash = a.sha256('content_hash');
        const books = booksOf(ctx);
        const organization = await books.membership.requireCallerEnrolledDoctor();
        const token = {
            token_id: tokenId,
            owner: patient,
            record_id: recordId,
            token_uri: tokenUri,
            content_hash: contentHash,
            minted_by: books.ledger.caller.accountId,
            organization,
            minted_at: books.ledger.timestamp,
        };
        return json(await books.tokens.mint(token, await books.records.find(recordId)));
    }

    @Transaction(false)
    @Param('args', 'string', '{token_id}')
    @Returns('string')
    public async get_token(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'token_id');
        return json(await booksOf(ctx).tokens.require(a.id('token_id')));
    }

    @Transaction(false)
    @Param('args', 'string', '{token_id}')
    @Returns('string')
    public async owner_of(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'token_id');
        return json((await booksOf(ctx).tokens.require(a.id('token_id'))).owner);
    }

    @Transaction(false)
    @Param('args', 'string', '{owner}')
    @Returns('string')
    public async tokens_of(ctx: Context, args: string): Promise<string> {
        const a = ContractArgs.accepting(args, 'owner');
        return json(await booksOf(ctx).tokens.tokensOf(a.account('owner')));
    }

    /** Refused before anything else is looked at: no argument, caller or token makes a transfer possible. */
    @Transaction()
    @Param('args', 'string', 'ignored')
    @Returns('string')
    public async transfer_token(_ctx: Context, _args: string): Promise<string> {
        throw new ContractError(Errors.soulbound, 'image tokens are soulbound to their patient and never transfer');
    }

    /** Called by fabric-contract-api for a function name this contract does not have. */
    public async unknownTransaction(ctx: Context): Promise<void> {
        const { fcn } = ctx.stub.getFunctionAndParameters();
        throw new ContractError(Errors.unknownFunction, `records has no function '${fcn}'`);
    }
}
