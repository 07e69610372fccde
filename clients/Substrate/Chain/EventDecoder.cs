using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Chain;

/// <summary>Decodes System.Events (a Vec&lt;EventRecord&gt;) with the types the metadata declares for that entry.</summary>
public sealed class EventDecoder(RuntimeMetadata metadata)
{
    private readonly TypedCodec codec = new(metadata.Types);

    /// <summary>The storage key of System.Events.</summary>
    public static byte[] StorageKey => SubstrateHashers.StorageKey("System", "Events");

    public IReadOnlyList<ChainEvent> Decode(ReadOnlyMemory<byte> systemEvents)
    {
        var entry = metadata.FindStorage("System", "Events");
        var records = codec.Decode(entry.ValueType, systemEvents);
        if (records is not SequenceValue sequence)
        {
            throw new ScaleException("System.Events is not a sequence");
        }

        return [.. sequence.Items.Select(ToEvent)];
    }

    private static ChainEvent ToEvent(ScaleValue record)
    {
        // EventRecord { phase: Phase, event: RuntimeEvent (pallet variant wrapping the pallet's event enum), topics }
        var phase = (VariantValue)record["phase"];
        uint? extrinsicIndex = phase.Name == "ApplyExtrinsic" ? (uint)phase.Fields[0].Value.AsNumber() : null;
        var palletEvent = (VariantValue)record["event"];
        var inner = palletEvent.Fields[0].Value as VariantValue
            ?? throw new ScaleException($"event of {palletEvent.Name} is not an enum");
        var topics = record["topics"] is SequenceValue topicList
            ? topicList.Items.Select(topic => topic.AsBytes()).ToList()
            : [];
        return new ChainEvent(palletEvent.Name, inner.Name, new CompositeValue(inner.Fields), extrinsicIndex, topics);
    }
}
