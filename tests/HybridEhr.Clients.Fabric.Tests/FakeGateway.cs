using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HybridEhr.Clients.Fabric.Protocol.Gateway;
using Grpc.Core;
using GatewayApi = HybridEhr.Clients.Fabric.Protocol.Gateway.Gateway;

namespace HybridEhr.Clients.Fabric.Tests;

/// <summary>What the fake gateway saw and what it will answer.</summary>
public sealed class FakeGatewayState
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentDictionary<string, bool> Submitted { get; } = new();

    public Protos.TxValidationCode CommitCode { get; set; } = Protos.TxValidationCode.Valid;

    public ulong CommitBlock { get; set; } = 42;

    /// <summary>Blocks of chaincode events the events stream sends (after_transaction_id is ignored, as older peers do).</summary>
    public List<ChaincodeEventsResponse> EventBlocks { get; } = [];

    public ChaincodeEventsRequest? LastEventsRequest { get; set; }

    /// <summary>Who signed each evaluated or endorsed proposal (MSP id and certificate), in order.</summary>
    public ConcurrentQueue<Msp.SerializedIdentity> Creators { get; } = new();

    /// <summary>The last endorsed proposal as the gateway protocol carries it, for decoding by the official protos.</summary>
    public ProposedTransaction? LastEndorsedProposal { get; set; }

    /// <summary>The signed requests as received, for decoding by the official protos.</summary>
    public SignedCommitStatusRequest? LastSignedCommitStatusRequest { get; set; }

    public SignedChaincodeEventsRequest? LastSignedEventsRequest { get; set; }

    /// <summary>Subject of the TLS client certificate of the last Evaluate, when one was presented.</summary>
    public string? LastClientCertificateSubject { get; set; }

    public void Reset()
    {
        Calls.Clear();
        Submitted.Clear();
        CommitCode = Protos.TxValidationCode.Valid;
        EventBlocks.Clear();
        LastEventsRequest = null;
        Creators.Clear();
        LastEndorsedProposal = null;
        LastSignedCommitStatusRequest = null;
        LastSignedEventsRequest = null;
    }
}

/// <summary>
/// A gateway peer in-process, on our gRPC server: checks every signature against the creator's certificate, endorses
/// by echoing the call, and refuses transfer_token with per-peer error details as a real gateway reports them.
/// </summary>
public sealed class FakeGatewayService(FakeGatewayState state) : GatewayApi.GatewayBase
{
    public override Task<EvaluateResponse> Evaluate(EvaluateRequest request, ServerCallContext context)
    {
        state.Calls.Enqueue("Evaluate");
        state.LastClientCertificateSubject = context.GetHttpContext().Connection.ClientCertificate?.Subject;
        var (function, arguments) = VerifiedCall(request.ProposedTransaction);
        var payload = ByteString.CopyFromUtf8($"{function}({string.Join(",", arguments)})");
        return Task.FromResult(new EvaluateResponse { Result = new Protos.Response { Status = 200, Payload = payload } });
    }

    public override Task<EndorseResponse> Endorse(EndorseRequest request, ServerCallContext context)
    {
        state.Calls.Enqueue("Endorse");
        var (function, arguments) = VerifiedCall(request.ProposedTransaction);
        state.LastEndorsedProposal = new ProposedTransaction { TransactionId = request.TransactionId, Proposal = request.ProposedTransaction };
        if (function.EndsWith("transfer_token", StringComparison.Ordinal))
        {
            throw EndorsementFailure(context, "SOULBOUND: image tokens are soulbound to their patient and never transfer");
        }

        var (envelope, _) = FakeEnvelopes.Endorsed(request.ProposedTransaction, $"{function}({string.Join(",", arguments)})");
        return Task.FromResult(new EndorseResponse { PreparedTransaction = envelope });
    }

    public override Task<SubmitResponse> Submit(SubmitRequest request, ServerCallContext context)
    {
        state.Calls.Enqueue("Submit");
        var payload = Common.Payload.Parser.ParseFrom(request.PreparedTransaction.Payload);
        var signatureHeader = Common.SignatureHeader.Parser.ParseFrom(payload.Header.SignatureHeader);
        Verify(signatureHeader.Creator, request.PreparedTransaction.Payload, request.PreparedTransaction.Signature);
        state.Submitted[request.TransactionId] = true;
        return Task.FromResult(new SubmitResponse());
    }

    public override Task<CommitStatusResponse> CommitStatus(SignedCommitStatusRequest signed, ServerCallContext context)
    {
        state.Calls.Enqueue("CommitStatus");
        state.LastSignedCommitStatusRequest = signed;
        var request = CommitStatusRequest.Parser.ParseFrom(signed.Request);
        Verify(request.Identity, signed.Request, signed.Signature);
        if (!state.Submitted.ContainsKey(request.TransactionId))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"transaction {request.TransactionId} was never submitted"));
        }

        return Task.FromResult(new CommitStatusResponse { Result = state.CommitCode, BlockNumber = state.CommitBlock });
    }

    public override async Task ChaincodeEvents(SignedChaincodeEventsRequest signed, IServerStreamWriter<ChaincodeEventsResponse> responses, ServerCallContext context)
    {
        state.Calls.Enqueue("ChaincodeEvents");
        state.LastSignedEventsRequest = signed;
        var request = ChaincodeEventsRequest.Parser.ParseFrom(signed.Request);
        Verify(request.Identity, signed.Request, signed.Signature);
        state.LastEventsRequest = request;
        var start = request.StartPosition?.Specified?.Number ?? 0;
        foreach (var block in state.EventBlocks.Where(block => block.BlockNumber >= start))
        {
            await responses.WriteAsync(block, context.CancellationToken);
        }
    }

    private (string Function, string[] Arguments) VerifiedCall(Protos.SignedProposal signedProposal)
    {
        var proposal = Protos.Proposal.Parser.ParseFrom(signedProposal.ProposalBytes);
        var header = Common.Header.Parser.ParseFrom(proposal.Header);
        var signatureHeader = Common.SignatureHeader.Parser.ParseFrom(header.SignatureHeader);
        Verify(signatureHeader.Creator, signedProposal.ProposalBytes, signedProposal.Signature);
        state.Creators.Enqueue(Msp.SerializedIdentity.Parser.ParseFrom(signatureHeader.Creator));
        var channelHeader = Common.ChannelHeader.Parser.ParseFrom(header.ChannelHeader);
        if (channelHeader.TxId != TransactionContext.ComputeTransactionId(signatureHeader.Nonce.ToByteArray(), signatureHeader.Creator.ToByteArray()))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "transaction id does not match nonce and creator"));
        }

        var payload = Protos.ChaincodeProposalPayload.Parser.ParseFrom(proposal.Payload);
        var args = Protos.ChaincodeInvocationSpec.Parser.ParseFrom(payload.Input).ChaincodeSpec.Input.Args.Select(a => a.ToStringUtf8()).ToArray();
        return (args[0], args[1..]);
    }

    /// <summary>The creator's certificate must verify the low-S DER signature of the message, as a peer's MSP checks.</summary>
    private static void Verify(ByteString creator, ByteString message, ByteString signature)
    {
        var identity = Msp.SerializedIdentity.Parser.ParseFrom(creator);
        using var certificate = X509Certificate2.CreateFromPem(identity.IdBytes.ToStringUtf8());
        using var key = certificate.GetECDsaPublicKey()
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the creator has no ECDSA key"));
        if (!key.VerifyData(message.Span, signature.Span, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
            || !EcdsaSigner.IsLowS(signature.ToByteArray()))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "signature does not verify"));
        }
    }

    /// <summary>
    /// As a Go gateway answers: a trailers-only response carrying grpc-status-details-bin (Grpc.AspNetCore sends a
    /// failure without messages as trailers only).
    /// </summary>
    private static RpcException EndorsementFailure(ServerCallContext context, string chaincodeMessage)
    {
        const string message = "failed to endorse transaction, see attached details for more info";
        var status = new Google.Rpc.Status { Code = (int)StatusCode.Aborted, Message = message };
        foreach (var (address, mspId) in new[] { ("peer0.hospitala.example.com:7051", "HospitalAMSP"), ("peer0.hospitalb.example.com:9051", "HospitalBMSP") })
        {
            status.Details.Add(Any.Pack(new ErrorDetail { Address = address, MspId = mspId, Message = $"chaincode response 500, {chaincodeMessage}" }));
        }

        return new RpcException(new Status(StatusCode.Aborted, message), new Metadata { { "grpc-status-details-bin", status.ToByteArray() } });
    }
}
