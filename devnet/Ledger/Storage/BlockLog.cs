using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace HybridEhr.Devnet.Ledger.Storage;

/// <summary>Where one record's payload sits in the log file.</summary>
internal readonly record struct RecordLocation(long PayloadOffset, int PayloadLength);

/// <summary>Damage found while scanning: a record that is short or fails its checksums.</summary>
/// <param name="RecordIndex">The index (= block height) of the first damaged record.</param>
/// <param name="LaterRecordsIntact">True when a well-formed record follows the damage: a corrupt middle, not a torn tail.</param>
internal sealed record LogDamage(long RecordIndex, long Offset, string Reason, bool LaterRecordsIntact);

internal sealed record LogScanResult(IReadOnlyList<RecordLocation> Records, long ValidLength, long FileLength, LogDamage? Damage);

internal delegate void RecordHandler(long index, ReadOnlySpan<byte> payload);

/// <summary>
/// The append-only block log: one file of records, each
/// <code>magic "HEB1" (u32) | payload length (u32) | CRC-32 of payload (u32) | CRC-32 of the 12 bytes before (u32) | payload</code>
/// A record is written with one write call and made durable with fsync before anyone is told about its block. A crash
/// can only leave a short (torn) last record; anything else that fails a checksum is corruption.
/// </summary>
internal sealed class BlockLog : IDisposable
{
    public const string FileName = "blocks.log";
    private const uint Magic = 0x48454231;
    private const int RecordHeaderSize = 16;
    private const int MaxPayloadLength = int.MaxValue - RecordHeaderSize;

    private readonly FileStream _writer;
    private readonly SafeFileHandle _reader;
    private readonly List<RecordLocation> _records;
    private readonly Lock _recordsLock = new();
    private long _length;

    private BlockLog(FileStream writer, SafeFileHandle reader, List<RecordLocation> records, long length)
    {
        _writer = writer;
        _reader = reader;
        _records = records;
        _length = length;
    }

    public long Count
    {
        get
        {
            lock (_recordsLock)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Opens the log for appending after a scan, cutting off a torn tail at <paramref name="validLength"/>.</summary>
    public static BlockLog Open(string path, LogScanResult scan)
    {
        var writer = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            if (writer.Length != scan.ValidLength)
            {
                writer.SetLength(scan.ValidLength);
                writer.Flush(flushToDisk: true);
            }
            writer.Seek(scan.ValidLength, SeekOrigin.Begin);
            var reader = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new BlockLog(writer, reader, [.. scan.Records], scan.ValidLength);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record and fsyncs it. Returns the record's index.</summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        var record = new byte[RecordHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(0), Magic);
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(4), (uint)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(8), Crc32.Compute(payload));
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(12), Crc32.Compute(record.AsSpan(0, 12)));
        payload.CopyTo(record.AsSpan(RecordHeaderSize));
        _writer.Write(record);
        _writer.Flush(flushToDisk: true);
        var location = new RecordLocation(_length + RecordHeaderSize, payload.Length);
        _length += record.Length;
        lock (_recordsLock)
        {
            _records.Add(location);
            return _records.Count - 1;
        }
    }

    public byte[] ReadPayload(long index)
    {
        RecordLocation location;
        lock (_recordsLock)
        {
            location = _records[checked((int)index)];
        }
        var payload = new byte[location.PayloadLength];
        ReadExactly(_reader, payload, location.PayloadOffset);
        return payload;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
    }

    /// <summary>
    /// Reads every intact record in order, handing each payload to <paramref name="onRecord"/>, and stops at the first
    /// damaged one. Never writes.
    /// </summary>
    public static LogScanResult Scan(string path, RecordHandler onRecord)
    {
        var records = new List<RecordLocation>();
        if (!File.Exists(path))
        {
            return new LogScanResult(records, 0, 0, null);
        }
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var fileLength = RandomAccess.GetLength(handle);
        long offset = 0;
        var header = new byte[RecordHeaderSize];
        var payload = Array.Empty<byte>();
        while (offset < fileLength)
        {
            var index = records.Count;
            if (fileLength - offset < RecordHeaderSize)
            {
                return Damaged(handle, records, offset, fileLength, $"{fileLength - offset} bytes left, shorter than a record header");
            }
            ReadExactly(handle, header, offset);
            var reason = CheckHeader(header, out var payloadLength, out var payloadCrc);
            if (reason is not null)
            {
                return Damaged(handle, records, offset, fileLength, reason);
            }
            if (payloadLength > fileLength - offset - RecordHeaderSize)
            {
                return Damaged(handle, records, offset, fileLength, $"record of {payloadLength} bytes runs past the end of the file");
            }
            if (payload.Length < payloadLength)
            {
                payload = new byte[Math.Max(payloadLength, payload.Length * 2)];
            }
            var payloadSpan = payload.AsSpan(0, payloadLength);
            ReadExactly(handle, payloadSpan, offset + RecordHeaderSize);
            if (Crc32.Compute(payloadSpan) != payloadCrc)
            {
                return Damaged(handle, records, offset, fileLength, "payload checksum mismatch");
            }
            onRecord(index, payloadSpan);
            records.Add(new RecordLocation(offset + RecordHeaderSize, payloadLength));
            offset += RecordHeaderSize + payloadLength;
        }
        return new LogScanResult(records, offset, fileLength, null);
    }

    private static LogScanResult Damaged(SafeFileHandle handle, List<RecordLocation> records, long offset, long fileLength, string reason)
    {
        var laterIntact = HasIntactRecordAfter(handle, offset, fileLength);
        return new LogScanResult(records, offset, fileLength, new LogDamage(records.Count, offset, reason, laterIntact));
    }

    /// <summary>
    /// Looks for any well-formed record starting after <paramref name="damageOffset"/>. A torn write leaves nothing
    /// well-formed behind it; finding one means the damage is in the middle of the chain.
    /// </summary>
    private static bool HasIntactRecordAfter(SafeFileHandle handle, long damageOffset, long fileLength)
    {
        var start = damageOffset + 1;
        if (fileLength - start < RecordHeaderSize)
        {
            return false;
        }
        var rest = new byte[checked((int)(fileLength - start))];
        ReadExactly(handle, rest, start);
        for (var i = 0; i + RecordHeaderSize <= rest.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(rest.AsSpan(i)) != Magic)
            {
                continue;
            }
            var header = rest.AsSpan(i, RecordHeaderSize);
            if (CheckHeader(header, out var payloadLength, out var payloadCrc) is null
                && payloadLength <= rest.Length - i - RecordHeaderSize
                && Crc32.Compute(rest.AsSpan(i + RecordHeaderSize, payloadLength)) == payloadCrc)
            {
                return true;
            }
        }
        return false;
    }

    private static string? CheckHeader(ReadOnlySpan<byte> header, out int payloadLength, out uint payloadCrc)
    {
        payloadLength = 0;
        payloadCrc = 0;
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
        {
            return "bad record magic";
        }
        if (Crc32.Compute(header[..12]) != BinaryPrimitives.ReadUInt32BigEndian(header[12..]))
        {
            return "record header checksum mismatch";
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (length > MaxPayloadLength)
        {
            return $"record length {length} out of range";
        }
        payloadLength = (int)length;
        payloadCrc = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        return null;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"Unexpected end of the block log at offset {offset}.");
            }
            buffer = buffer[read..];
            offset += read;
        }
    }
}
