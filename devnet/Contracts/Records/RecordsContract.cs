using System.Text.Json.Nodes;
using HybridEhr.Devnet.Contracts.Common;
using HybridEhr.Devnet.Ledger;

namespace HybridEhr.Devnet.Contracts.Records;

/// <summary>
/// The private chain's contract: organisations and their doctors, EHR anchors and soulbound image NFTs. It mirrors
/// the Fabric chaincode; chaincode/spec/README.md is the reference for functions, arguments, results and error codes.
/// Permission to read or write a given patient's records is checked by the services against the permission chain
/// before they call this contract; this contract enforces who may write at all.
/// </summary>
public sealed class RecordsContract : IContract
{
    public const string ContractName = "records";

    private static readonly Dictionary<string, bool> FunctionIsQuery = new(StringComparer.Ordinal)
    {
        ["register_organization"] = false,
        ["get_organization"] = true,
        ["list_organizations"] = true,
        ["enroll_doctor"] = false,
        ["is_enrolled_doctor"] = true,
        ["create_record"] = false,
        ["update_record"] = false,
        ["get_record"] = true,
        ["get_record_history"] = true,
        ["list_records_of_patient"] = true,
        ["mint_image"] = false,
        ["get_token"] = true,
        ["owner_of"] = true,
        ["tokens_of"] = true,
        ["transfer_token"] = false,
    };

    public static IReadOnlyCollection<string> Functions => FunctionIsQuery.Keys;

    public string Name => ContractName;

    public bool IsQuery(string function) => FunctionIsQuery.TryGetValue(function, out var isQuery) && isQuery;

    public JsonNode? Invoke(IContractContext context, string function, JsonObject args)
    {
        var membership = new Membership(context);
        var tokens = new ImageTokenBook(context);
        var records = new RecordBook(context, tokens);

        switch (function)
        {
            case "register_organization":
            {
                var a = ContractArgs.Accepting(args, "organization", "name");
                var organization = a.Organization("organization");
                var name = a.OptionalText("name", 200);
                return ContractJson.ToNode(membership.Register(organization, name));
            }

            case "get_organization":
            {
                var a = ContractArgs.Accepting(args, "organization");
                return ContractJson.ToNode(membership.RequireOrganization(a.Organization("organization")));
            }

            case "list_organizations":
                ContractArgs.Accepting(args);
                return ContractJson.ToArray(membership.ListOrganizations());

            case "enroll_doctor":
            {
                var a = ContractArgs.Accepting(args, "document_id_hash");
                return ContractJson.ToNode(membership.Enroll(a.Sha256("document_id_hash")));
            }

            case "is_enrolled_doctor":
            {
                var a = ContractArgs.Accepting(args, "document_id_hash");
                return membership.FindDoctor(a.Sha256("document_id_hash")) is { } enrollment
                    ? JsonValue.Create(enrollment.Organization)
                    : null;
            }

            case "create_record":
            {
                var a = ContractArgs.Accepting(args, "record_id", "patient", "plaintext_hash", "ciphertext_hash", "image_token_ids");
                var recordId = a.Id("record_id");
                var patient = a.Account("patient");
                var content = ReadContent(a);
                var organization = membership.RequireCallerEnrolledDoctor();
                return ContractJson.ToNode(records.Create(recordId, patient, content, organization));
            }

            case "update_record":
            {
                var a = ContractArgs.Accepting(
                    args, "record_id", "expected_version", "plaintext_hash", "ciphertext_hash", "image_token_ids");
                var recordId = a.Id("record_id");
                var expectedVersion = a.PositiveInteger("expected_version");
                var content = ReadContent(a);
                var organization = membership.RequireCallerEnrolledDoctor();
                return ContractJson.ToNode(records.Update(recordId, expectedVersion, content, organization));
            }

            case "get_record":
            {
                var a = ContractArgs.Accepting(args, "record_id");
                return ContractJson.ToNode(records.Require(a.Id("record_id")));
            }

            case "get_record_history":
            {
                var a = ContractArgs.Accepting(args, "record_id");
                return ContractJson.ToArray(records.History(a.Id("record_id")));
            }

            case "list_records_of_patient":
            {
                var a = ContractArgs.Accepting(args, "patient");
                return ContractJson.ToArray(records.OfPatient(a.Account("patient")));
            }

            case "mint_image":
            {
                var a = ContractArgs.Accepting(args, "token_id", "patient", "record_id", "token_uri", "content_hash");
                var tokenId = a.Id("token_id");
                var patient = a.Account("patient");
                var recordId = a.Id("record_id");
                var tokenUri = a.IpfsUri("token_uri");
                var contentHash = a.Sha256("content_hash");
                var organization = membership.RequireCallerEnrolledDoctor();
                var token = new ImageToken(
                    tokenId, patient, recordId, tokenUri, contentHash, context.Caller.AccountId, organization, context.Timestamp);
                return ContractJson.ToNode(tokens.Mint(token, records.Find(recordId)));
            }

            case "get_token":
            {
                var a = ContractArgs.Accepting(args, "token_id");
                return ContractJson.ToNode(tokens.Require(a.Id("token_id")));
            }

            case "owner_of":
            {
                var a = ContractArgs.Accepting(args, "token_id");
                return JsonValue.Create(tokens.Require(a.Id("token_id")).Owner);
            }

            case "tokens_of":
            {
                var a = ContractArgs.Accepting(args, "owner");
                return new JsonArray([.. tokens.TokensOf(a.Account("owner")).Select(id => (JsonNode?)JsonValue.Create(id))]);
            }

            case "transfer_token":
                // Refused before anything else is looked at: no argument, caller or token makes a transfer possible.
                throw new ContractException(RecordsErrors.Soulbound, "image tokens are soulbound to their patient and never transfer");

            default:
                throw new ContractException(CommonErrors.UnknownFunction, $"records has no function '{function}'");
        }
    }

    private static RecordContent ReadContent(ContractArgs a) =>
        new(a.Sha256("plaintext_hash"), a.Sha256("ciphertext_hash"), a.OptionalIdList("image_token_ids"));
}
