using Google.Protobuf;
using ConformanceApi = HybridEhr.Grpc.Tests.Conformance.Conformance;
using Grpc.Core;
using HybridEhr.Grpc.Tests.Conformance;

namespace HybridEhr.Grpc.Tests;

/// <summary>The conformance contract served through our service defaults, for the grpcio client to probe.</summary>
public sealed class ConformanceService(ConformanceStats stats) : ConformanceApi.ConformanceBase
{
    public override async Task<EchoResponse> Echo(EchoRequest request, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            var headers = new Metadata();
            foreach (var (key, value) in request.ResponseHeaders)
            {
                headers.Add(key, value);
            }

            if (!request.BinaryHeader.IsEmpty)
            {
                headers.Add("x-echo-bin", request.BinaryHeader.ToByteArray());
            }

            if (headers.Count > 0)
            {
                await context.WriteResponseHeadersAsync(headers);
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
                : new Metadata { { "grpc-status-details-bin", request.BinaryHeader.ToByteArray() } };
            throw new RpcException(new Status((StatusCode)request.FailWithCode, request.FailMessage), trailers ?? Metadata.Empty);
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

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            for (var i = 0; i < request.Count; i++)
            {
                if (request.FailWithCode != 0 && request.FailAfter == i)
                {
                    throw new RpcException(new Status((StatusCode)request.FailWithCode, request.FailMessage));
                }

                if (i > 0 && request.IntervalMs > 0)
                {
                    await Task.Delay(request.IntervalMs, context.CancellationToken);
                }

                await responses.WriteAsync(new EchoResponse { Sequence = i, Payload = Pattern(request.PayloadSize) });
            }

            if (request.FailWithCode != 0 && request.FailAfter >= request.Count)
            {
                throw new RpcException(new Status((StatusCode)request.FailWithCode, request.FailMessage));
            }
        });
    }

    public override async Task<EchoResponse> ClientStream(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var response = new EchoResponse();
        await TrackAsync(context, async () =>
        {
            var text = new System.Text.StringBuilder();
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                response.MessageCount++;
                response.PayloadBytes += request.Payload.Length;
                text.Append(request.Text);
            }

            response.Text = text.ToString();
        });
        return response;
    }

    public override async Task Bidi(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoResponse> responses, ServerCallContext context)
    {
        await TrackAsync(context, async () =>
        {
            var sequence = 0;
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                if (request.FailWithCode != 0)
                {
                    throw new RpcException(new Status((StatusCode)request.FailWithCode, request.FailMessage));
                }

                var response = Describe(request, context);
                response.Sequence = sequence++;
                await responses.WriteAsync(response);
            }
        });
    }

    public override Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context) =>
        Task.FromResult(new StatsResponse { CancelledCalls = stats.Cancelled, CompletedCalls = stats.Completed });

    private static EchoResponse Describe(EchoRequest request, ServerCallContext context)
    {
        var response = new EchoResponse
        {
            Payload = request.Payload,
            Text = request.Text,
            RequestEncoding = context.GetHttpContext().Request.Headers["grpc-encoding"].ToString(),
            // Grpc.AspNetCore reports "no deadline" as DateTime.MaxValue.
            DeadlinePresent = context.Deadline != DateTime.MaxValue,
            DeadlineRemainingMs = context.Deadline != DateTime.MaxValue ? (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds : 0,
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
