using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.FabricGateway.V1;
using HybridEhr.FabricGateway.Hospitals;
using HybridEhr.FabricGateway.Ledger;
using Grpc.Core;
using HybridEhr.Security;
using Microsoft.Extensions.Options;
using FabricGatewayApi = HybridEhr.Contracts.FabricGateway.V1.FabricGateway;
using IdentityApi = HybridEhr.Contracts.Identity.V1.Identity;
using Microsoft.AspNetCore.Authorization;

namespace HybridEhr.FabricGateway;

/// <summary>hybridehr.fabricgateway.v1.FabricGateway: the only code path to the private (records) chain.</summary>
public sealed class FabricGatewayService(
    IRecordsLedger ledger, HospitalAdministration hospitals, IdentityApi.IdentityClient identity, IOptions<FabricGatewayOptions> options, DocumentPepper pepper)
    : FabricGatewayApi.FabricGatewayBase
{
    /// <summary>What users may write; the contract's other writes belong to hospital administrators.</summary>
    private static readonly HashSet<string> UserTransactions = new(StringComparer.Ordinal) { "create_record", "update_record", "mint_image" };

    private static readonly HashSet<string> Queries = new(StringComparer.Ordinal)
    {
        "get_record", "get_record_history", "list_records_of_patient", "get_token", "owner_of", "tokens_of",
        "is_enrolled_doctor", "get_organization", "list_organizations",
    };

    public override async Task<SubmitResponse> Submit(SubmitRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (caller.IsService)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "Submit signs with the user's own chain key: call it with the user's token, not a service token."));
        }

        if (!UserTransactions.Contains(request.Function))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"'{request.Function}' is not a function users submit; allowed: {string.Join(", ", UserTransactions.Order(StringComparer.Ordinal))}."));
        }

        CheckOrganization(request.OrganisationMspId, caller);
        var signer = new IdentityTransactionSigner(identity, caller.AccountId);
        var committed = await ledger.SubmitAsync(signer, request.Function, ArgumentsOf(request.Args), context.CancellationToken);
        return new SubmitResponse
        {
            TxId = committed.TxId,
            BlockNumber = (ulong)committed.BlockNumber,
            Result = ByteString.CopyFromUtf8(committed.ResultJson),
            ValidationCode = TxValidationCode.Valid,
        };
    }

    public override async Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (!Queries.Contains(request.Function))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"'{request.Function}' is not a read-only function; allowed: {string.Join(", ", Queries.Order(StringComparer.Ordinal))}."));
        }

        var callerAccount = caller.IsService ? DevAccounts.NetworkAdmin.AccountId : caller.AccountId;
        var result = await ledger.EvaluateAsync(callerAccount, request.Function, ArgumentsOf(request.Args), context.CancellationToken);
        return new EvaluateResponse { Result = ByteString.CopyFromUtf8(result) };
    }

    [Authorize(Roles.Service)]
    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<WatchEventsResponse> responses, ServerCallContext context)
    {
        var (fromBlock, afterTxIndex) = request.StartCase switch
        {
            WatchEventsRequest.StartOneofCase.AfterCheckpoint => ParseCheckpoint(request.AfterCheckpoint),
            WatchEventsRequest.StartOneofCase.StartBlock => ((long)request.StartBlock, -1),
            _ => (1L, -1),
        };
        var names = request.EventNames.ToHashSet(StringComparer.Ordinal);
        await foreach (var e in ledger.WatchAsync(fromBlock, context.CancellationToken))
        {
            if ((e.BlockNumber == fromBlock && e.TxIndex <= afterTxIndex) || (names.Count > 0 && !names.Contains(e.Name)))
            {
                continue;
            }

            await responses.WriteAsync(new WatchEventsResponse
            {
                BlockNumber = (ulong)e.BlockNumber,
                TxId = e.TxId,
                EventName = e.Name,
                Payload = ByteString.CopyFromUtf8(e.PayloadJson),
                Chaincode = DevnetRecordsLedger.Contract,
                Checkpoint = string.Create(CultureInfo.InvariantCulture, $"{e.BlockNumber}:{e.TxIndex}"),
            }, context.CancellationToken);
        }
    }

    [Authorize(Roles.Service)]
    public override async Task<VerifyDoctorResponse> VerifyDoctor(VerifyDoctorRequest request, ServerCallContext context)
    {
        var document = RequireDocument(request.IdentityDocumentNumber);
        var organization = await hospitals.FindDoctorAsync(DocumentIds.Hash(document, pepper.Value), context.CancellationToken);
        return new VerifyDoctorResponse
        {
            IsEnrolledDoctor = organization is not null,
            OrganisationMspId = organization ?? "",
            OrganisationName = organization ?? "",
        };
    }

    [Authorize(Roles.Service)]
    public override async Task<EnrollMemberResponse> EnrollMember(EnrollMemberRequest request, ServerCallContext context)
    {
        if (!Devnet.Ledger.AccountIds.TryParse(request.AccountId, out _))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id must be 0x followed by 64 lower-case hex digits."));
        }

        var documentHash = DocumentIds.Hash(RequireDocument(request.IdentityDocumentNumber), pepper.Value);
        var organization = await hospitals.FindDoctorAsync(documentHash, context.CancellationToken);
        if (organization != request.OrganisationMspId)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"The document is not a doctor of {request.OrganisationMspId}; the hospital must enrol it first (EnrollDoctor)."));
        }

        var committed = await hospitals.EnrollMemberAsync(organization, request.AccountId, documentHash, context.CancellationToken);
        return new EnrollMemberResponse { TxId = committed.TxId };
    }

    [AllowAnonymous] // the hospital-administration key (x-admin-key) stands in for a token
    public override async Task<EnrollDoctorResponse> EnrollDoctor(EnrollDoctorRequest request, ServerCallContext context)
    {
        var adminKey = options.Value.AdminKey;
        var presented = context.RequestHeaders.GetValue("x-admin-key") ?? "";
        if (adminKey.Length == 0 || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(adminKey)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "Hospital administration needs the header x-admin-key with the configured FabricGateway:AdminKey."));
        }

        var documentHash = DocumentIds.Hash(RequireDocument(request.IdentityDocumentNumber), pepper.Value);
        var committed = await hospitals.EnrollDoctorAsync(request.OrganisationMspId, documentHash, context.CancellationToken);
        return new EnrollDoctorResponse { TxId = committed.TxId, DocumentIdHash = documentHash };
    }

    private static void CheckOrganization(string requested, Caller caller)
    {
        if (requested.Length > 0 && caller.Claims.Organization is { } own && requested != own)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"You act for {own}; you cannot submit for {requested}."));
        }
    }

    private static JsonObject ArgumentsOf(IReadOnlyList<ByteString> args)
    {
        if (args.Count == 0)
        {
            return [];
        }

        if (args.Count > 1 || args[0].Length > 4 * 1024 * 1024)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Pass the contract arguments as one JSON object in args[0] (at most 4 MiB)."));
        }

        try
        {
            return JsonNode.Parse(args[0].Span) as JsonObject
                ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "args[0] must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"args[0] is not valid JSON: {ex.Message}"));
        }
    }

    private static string RequireDocument(string document)
    {
        var normalized = DocumentIds.Normalize(document ?? "");
        if (normalized.Length is < 4 or > 32 || !normalized.All(char.IsAsciiLetterOrDigit))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "identity_document_number must be 4 to 32 letters or digits (dots, dashes and spaces are ignored)."));
        }

        return normalized;
    }

    private static (long Block, int TxIndex) ParseCheckpoint(string checkpoint)
    {
        var parts = checkpoint.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var block)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var index))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{checkpoint}' is not a checkpoint issued by this gateway."));
        }

        return (block, index);
    }
}

/// <summary>The document pepper shared with Identity (configuration Security:DocumentPepper).</summary>
public sealed record DocumentPepper(string Value);
