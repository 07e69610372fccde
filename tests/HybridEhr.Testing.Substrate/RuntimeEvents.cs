using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>
/// Builds the runtime events of a block as ScaleValues shaped like the metadata's RuntimeEvent and EventRecord, and
/// encodes System.Events with the type the metadata declares for that storage entry.
/// </summary>
internal sealed class RuntimeEvents(RuntimeMetadata metadata)
{
    private readonly TypedCodec codec = new(metadata.Types);

    public sealed record Record(uint ExtrinsicIndex, ScaleValue Event, IReadOnlyList<byte[]> Topics);

    public byte[] Encode(IEnumerable<Record> records)
    {
        var entry = metadata.FindStorage("System", "Events");
        return codec.Encode(entry.ValueType, new SequenceValue([.. records.Select(record => ScaleValue.Record(
            ("phase", ScaleValue.Variant("ApplyExtrinsic", ScaleValue.Of((ulong)record.ExtrinsicIndex))),
            ("event", record.Event),
            ("topics", new SequenceValue([.. record.Topics.Select(ScaleValue.Of)]))))]));
    }

    public static ScaleValue Event(string pallet, string name, params (string Name, ScaleValue Value)[] fields) =>
        ScaleValue.Variant(pallet, new VariantValue(name, null, [.. fields.Select(f => new NamedValue(f.Name, f.Value))]));

    public static ScaleValue DispatchInfo(Weight weight, string dispatchClass = "Normal") => ScaleValue.Record(
        ("weight", WeightValue(weight)),
        ("class", ScaleValue.Variant(dispatchClass)),
        ("pays_fee", ScaleValue.Variant("Yes")));

    public static ScaleValue WeightValue(Weight weight) =>
        ScaleValue.Record(("ref_time", ScaleValue.Of(weight.RefTime)), ("proof_size", ScaleValue.Of(weight.ProofSize)));

    public static ScaleValue Success(Weight weight, string dispatchClass = "Normal") =>
        Event("System", "ExtrinsicSuccess", ("dispatch_info", DispatchInfo(weight, dispatchClass)));

    public static ScaleValue Failed(ScaleValue dispatchError, Weight weight) =>
        Event("System", "ExtrinsicFailed", ("dispatch_error", dispatchError), ("dispatch_info", DispatchInfo(weight)));

    /// <summary>DispatchError::Module for "Pallet.Error", with the error index as the metadata's ModuleError wants it.</summary>
    public ScaleValue ModuleError(string pallet, string error)
    {
        var palletMetadata = metadata.Pallet(pallet);
        var variants = (VariantType)metadata.Types[palletMetadata.ErrorType!.Value].Definition;
        var index = variants.ByName(error)?.Index ?? throw new KeyNotFoundException($"{pallet} has no error {error}");
        var moduleError = metadata.Types.FindByPath("sp_runtime::ModuleError")
            ?? throw new InvalidOperationException("the runtime metadata has no sp_runtime::ModuleError");
        var errorField = ((CompositeType)moduleError.Definition).Fields.Single(f => f.Name == "error");
        // Newer runtimes carry [u8; 4] (index then 3 bytes of detail), older ones a bare u8.
        var errorValue = metadata.Types[errorField.Type].Definition is ArrayType
            ? ScaleValue.Of(new byte[] { index, 0, 0, 0 })
            : ScaleValue.Of((ulong)index);
        return ScaleValue.Variant("Module", ScaleValue.Record(("index", ScaleValue.Of((ulong)palletMetadata.Index)), ("error", errorValue)));
    }
}
