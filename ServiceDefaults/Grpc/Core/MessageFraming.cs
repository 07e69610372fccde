using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace HybridEhr.Grpc;

/// <summary>Reads and writes length-prefixed gRPC messages, with optional gzip, enforcing size limits on both sides.</summary>
internal static class MessageFraming
{
    /// <summary>Reads the next message, or returns null when the stream ended cleanly between messages.</summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(
        PipeReader reader, MessageParser<T> parser, int maxSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (GrpcProtocol.TryReadFrameHeader(buffer, out var compressed, out var length))
            {
                if (length > (uint)maxSize)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Received message larger than max ({length} vs. {maxSize}).");
                }

                var frameLength = GrpcProtocol.FrameHeaderSize + (long)length;
                if (buffer.Length >= frameLength)
                {
                    var payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
                    T message;
                    try
                    {
                        message = compressed
                            ? parser.ParseFrom(Decompress(payload, encoding, maxSize))
                            : parser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException ex)
                    {
                        throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message."), null, ex);
                    }
                    finally
                    {
                        reader.AdvanceTo(buffer.GetPosition(frameLength));
                    }

                    return message;
                }
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, "Incomplete message: the stream ended inside a message.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Writes one framed message to the buffer without flushing.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, bool compress, int? maxSize)
    {
        var size = message.CalculateSize();
        CheckSendSize(size, maxSize);
        if (compress)
        {
            var compressed = Compress(message);
            var span = writer.GetSpan(GrpcProtocol.FrameHeaderSize + compressed.Length);
            GrpcProtocol.WriteFrameHeader(span, compressed: true, compressed.Length);
            compressed.CopyTo(span[GrpcProtocol.FrameHeaderSize..]);
            writer.Advance(GrpcProtocol.FrameHeaderSize + compressed.Length);
            return;
        }

        var frame = writer.GetSpan(GrpcProtocol.FrameHeaderSize + size);
        GrpcProtocol.WriteFrameHeader(frame, compressed: false, size);
        message.WriteTo(frame.Slice(GrpcProtocol.FrameHeaderSize, size));
        writer.Advance(GrpcProtocol.FrameHeaderSize + size);
    }

    /// <summary>One framed message as an array, for unary requests whose length is known up front.</summary>
    public static byte[] ToFrame(IMessage message, bool compress, int? maxSize)
    {
        var size = message.CalculateSize();
        CheckSendSize(size, maxSize);
        if (compress)
        {
            var compressed = Compress(message);
            var framed = new byte[GrpcProtocol.FrameHeaderSize + compressed.Length];
            GrpcProtocol.WriteFrameHeader(framed, compressed: true, compressed.Length);
            compressed.CopyTo(framed.AsSpan(GrpcProtocol.FrameHeaderSize));
            return framed;
        }

        var frame = new byte[GrpcProtocol.FrameHeaderSize + size];
        GrpcProtocol.WriteFrameHeader(frame, compressed: false, size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderSize));
        return frame;
    }

    private static void CheckSendSize(int size, int? maxSize)
    {
        if (maxSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {max}).");
        }
    }

    private static byte[] Compress(IMessage message)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            message.WriteTo(gzip);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(ReadOnlySequence<byte> payload, string? encoding, int maxSize)
    {
        if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.Internal,
                $"Received a compressed message but the stream's encoding is '{encoding ?? GrpcProtocol.IdentityEncoding}'.");
        }

        using var input = new MemoryStream(payload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                // Bound the inflated size too, or a small compressed message could exhaust memory.
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted,
                        $"Received message larger than max after decompression (more than {maxSize} bytes).");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress message."), null, ex);
        }

        return output.ToArray();
    }
}
