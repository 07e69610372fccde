using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace HybridEhr.ServiceDefaults.Errors;

/// <summary>
/// Every refusal carries a google.rpc.Status in its grpc-status-details-bin trailer (Grpc.StatusProto), so a client
/// can act on it by code instead of parsing the message: an ErrorInfo whose reason is the status code's name and whose
/// domain is the gRPC service, and for INVALID_ARGUMENT a BadRequest naming the request field when the message starts
/// with one (the services phrase their messages "field_name must ..."). JSON transcoding returns the same Status as the
/// body of the HTTP error, and gRPC-Web carries the trailer, so all three doors say the same. A refusal that already
/// has details keeps them.
/// </summary>
public sealed class StatusDetailsInterceptor : Interceptor
{
    public const string DetailsTrailer = "grpc-status-details-bin";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException error) when (LacksDetails(error))
        {
            throw WithDetails(error, context.Method, request as IMessage);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (RpcException error) when (LacksDetails(error))
        {
            throw WithDetails(error, context.Method, null);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (RpcException error) when (LacksDetails(error))
        {
            throw WithDetails(error, context.Method, request as IMessage);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (RpcException error) when (LacksDetails(error))
        {
            throw WithDetails(error, context.Method, null);
        }
    }

    /// <summary>The google.rpc.Status of a refusal of <paramref name="method"/> ("/package.Service/Method").</summary>
    public static Google.Rpc.Status Describe(StatusCode code, string message, string method, IMessage? request = null)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        var service = method.Trim('/').Split('/')[0];
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = ReasonOf(code), Domain = service }));
        if (code == StatusCode.InvalidArgument && request is not null && FieldNamedBy(message, request.Descriptor) is { } field)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } },
            }));
        }

        return status;
    }

    /// <summary>"PERMISSION_DENIED" for StatusCode.PermissionDenied: the code's name as the gRPC spec writes it.</summary>
    public static string ReasonOf(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    private static bool LacksDetails(RpcException error) => error.StatusCode != StatusCode.OK && error.Trailers.Get(DetailsTrailer) is null;

    private static RpcException WithDetails(RpcException error, string method, IMessage? request)
    {
        var trailers = new Metadata();
        foreach (var entry in error.Trailers)
        {
            trailers.Add(entry);
        }

        trailers.Add(DetailsTrailer, Describe(error.StatusCode, error.Status.Detail, method, request).ToByteArray());
        return new RpcException(error.Status, trailers, error.Message);
    }

    /// <summary>The field path ("document.title") the message opens with, if the request really has that field.</summary>
    private static string? FieldNamedBy(string message, MessageDescriptor descriptor)
    {
        var first = message.Split(' ', 2)[0].TrimEnd(':', ',', '.');
        var current = descriptor;
        var parts = first.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var field = current?.FindFieldByName(parts[i]);
            if (field is null)
            {
                return null;
            }

            current = field.FieldType == FieldType.Message ? field.MessageType : null;
            if (current is null && i < parts.Length - 1)
            {
                return null;
            }
        }

        return first;
    }
}
