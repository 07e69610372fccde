using Google.Protobuf;
using HybridEhr.Grpc.Server;
using HybridEhr.Grpc.Tests.Conformance;

namespace HybridEhr.Grpc.Tests;

/// <summary>Our server's implementation of the conformance contract (the Python server implements the same).</summary>
public sealed class ConformanceService(ConformanceStats stats) : IGrpcService
{
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => ConformanceReflection.Descriptor.Services[0];

    public async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            foreach (var (key, value) in request.ResponseHeaders)
            {
                context.ResponseHeaders.Add(key, value);
            }

            if (!request.BinaryHeader.IsEmpty)
            {
                context.ResponseHeaders.Add("x-echo-bin", request.BinaryHeader.ToByteArray());
            }

            foreach (var (key, value) in request.ResponseTrailers)
            {
                context.ResponseTrailers.Add(key, value);
            }

            if (request.DelayMs > 0)
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
        });

        if (request.ThrowException)
        {
            throw new InvalidOperationException("secret internal detail: connection string Password=hunter2");
        }

        if (request.FailWithCode != 0)
        {
            // Rich error details travel in the one grpc- trailer that is also metadata.
            var trailers = request.BinaryHeader.IsEmpty ? null
                : new Metadata().Add(GrpcProtocol.StatusDetailsHeader, request.BinaryHeader.ToByteArray());
            throw new RpcException((StatusCode)request.FailWithCode, request.FailMessage, trailers);
        }

        var response = Describe(request, context);
        response.MessageCount = 1;
        response.PayloadBytes = request.Payload.Length;
        if (request.ResponseSize > 0)
        {
            response.Payload = Pattern(request.ResponseSize);
        }

        return response;
    }

    public async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            for (var i = 0; i < request.Count; i++)
            {
                if (request.FailWithCode != 0 && request.FailAfter == i)
                {
                    throw new RpcException((StatusCode)request.FailWithCode, request.FailMessage);
                }

                if (i > 0 && request.IntervalMs > 0)
                {
                    await Task.Delay(request.IntervalMs, context.CancellationToken);
                }

                await responses.WriteAsync(new EchoResponse { Sequence = i, Payload = Pattern(request.PayloadSize) });
            }

            if (request.FailWithCode != 0 && request.FailAfter >= request.Count)
            {
                throw new RpcException((StatusCode)request.FailWithCode, request.FailMessage);
            }
        });
    }

    public async Task<EchoResponse> ClientStream(IAsyncEnumerable<EchoRequest> requests, ServerCallContext context)
    {
        var response = new EchoResponse();
        await TrackAsync(context, async () =>
        {
            var text = new System.Text.StringBuilder();
            await foreach (var request in requests)
            {
                response.MessageCount++;
                response.PayloadBytes += request.Payload.Length;
                text.Append(request.Text);
            }

            response.Text = text.ToString();
        });
        return response;
    }

    public async Task Bidi(IAsyncEnumerable<EchoRequest> requests, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            var sequence = 0;
            await foreach (var request in requests)
            {
                if (request.FailWithCode != 0)
                {
                    throw new RpcException((StatusCode)request.FailWithCode, request.FailMessage);
                }

                var response = Describe(request, context);
                response.Sequence = sequence++;
                await responses.WriteAsync(response);
            }
        });
    }

    public Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context) =>
        Task.FromResult(new StatsResponse { CancelledCalls = stats.Cancelled, CompletedCalls = stats.Completed });

    private static EchoResponse Describe(EchoRequest request, ServerCallContext context)
    {
        var response = new EchoResponse
        {
            Payload = request.Payload,
            Text = request.Text,
            RequestEncoding = context.HttpContext.Request.Headers[GrpcProtocol.EncodingHeader].ToString(),
            DeadlinePresent = context.Deadline is not null,
            DeadlineRemainingMs = context.Deadline is { } d ? (long)(d - DateTime.UtcNow).TotalMilliseconds : 0,
        };
        foreach (var entry in context.RequestHeaders.Where(e => e.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            response.RequestMetadata[entry.Key] = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes!) : entry.Value!;
        }

        return response;
    }

    private static ByteString Pattern(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Counts calls whose handler saw its cancellation token fire, and calls that ran to the end.</summary>
    private async Task TrackAsync(ServerCallContext context, Func<Task> body)
    {
        try
        {
            await body();
            stats.AddCompleted();
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            stats.AddCancelled();
            throw;
        }
    }
}

public sealed class ConformanceStats
{
    private long _cancelled;
    private long _completed;

    public long Cancelled => Interlocked.Read(ref _cancelled);

    public long Completed => Interlocked.Read(ref _completed);

    public void AddCancelled() => Interlocked.Increment(ref _cancelled);

    public void AddCompleted() => Interlocked.Increment(ref _completed);
}
