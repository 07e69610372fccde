using System.Text;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Contracts;

/// <summary>Encodes ink! message calls and decodes their return values and events, driven by the contract's metadata.</summary>
public sealed class InkAbi(InkMetadata metadata)
{
    private readonly TypedCodec codec = new(metadata.Types);

    public InkMetadata Metadata => metadata;

    /// <summary>The default selector ink! derives for a message label: the first 4 bytes of blake2b-256 of it.</summary>
    public static byte[] SelectorOf(string label) => SubstrateHashers.Blake2b256(Encoding.UTF8.GetBytes(label))[..4];

    /// <summary>selector ++ SCALE-encoded arguments, in declaration order; arguments are matched by label.</summary>
    public byte[] EncodeMessage(string label, params (string Label, ScaleValue Value)[] arguments) =>
        Encode(metadata.Message(label), arguments);

    public byte[] EncodeConstructor(string label, params (string Label, ScaleValue Value)[] arguments) =>
        Encode(metadata.Constructor(label), arguments);

    /// <summary>Decodes the raw return data of a message into its declared return type (usually MessageResult&lt;T&gt;).</summary>
    public ScaleValue DecodeReturn(string label, ReadOnlyMemory<byte> data)
    {
        var message = metadata.Message(label);
        return message.ReturnType is { } returnType ? codec.Decode(returnType, data) : ScaleValue.Unit;
    }

    /// <summary>
    /// The value a message produced, unwrapping ink!'s outer Result&lt;T, LangError&gt; and, for fallible messages,
    /// the contract's own Result&lt;T, Error&gt;; errors become <see cref="InkLangException"/> / <see cref="ContractErrorException"/>.
    /// </summary>
    public ScaleValue DecodeReturnUnwrapped(string label, ReadOnlyMemory<byte> data) =>
        Unwrap(label, DecodeReturn(label, data));

    public ScaleValue Unwrap(string label, ScaleValue messageResult)
    {
        var message = metadata.Message(label);
        var value = messageResult;
        if (message.ReturnType is { } returnType && IsResult(returnType, out _) && value is VariantValue outer)
        {
            if (outer.Name == "Err")
            {
                throw new InkLangException(label, DescribeVariant(outer.Fields[0].Value));
            }

            value = outer.Fields[0].Value;
            var okType = OkType(returnType);
            if (okType is { } inner && IsResult(inner, out _) && value is VariantValue innerResult)
            {
                if (innerResult.Name == "Err")
                {
                    throw new ContractErrorException(label, DescribeVariant(innerResult.Fields[0].Value));
                }

                value = innerResult.Fields[0].Value;
            }
        }

        return value;
    }

    /// <summary>The type of the value <see cref="Unwrap"/> yields for a message: T of MessageResult&lt;T&gt;, or of MessageResult&lt;Result&lt;T, E&gt;&gt;.</summary>
    public uint? ValueType(string label)
    {
        var returnType = metadata.Message(label).ReturnType;
        if (returnType is not { } outer || !IsResult(outer, out var inner))
        {
            return returnType;
        }

        return inner is { } innerType && IsResult(innerType, out var value) ? value : inner;
    }

    /// <summary>Finds and decodes a contract event from ContractEmitted's data and the event record's topics.</summary>
    public (InkEvent Event, ScaleValue Fields) DecodeEvent(ReadOnlyMemory<byte> data, IReadOnlyList<byte[]> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        InkEvent? match;
        var reader = new ScaleReader(data);
        if (metadata.Version >= 5)
        {
            match = topics.Count == 0
                ? null
                : metadata.Events.FirstOrDefault(e => e.SignatureTopic is { } topic && topic.AsSpan().SequenceEqual(topics[0]));
        }
        else
        {
            var index = reader.U8();
            match = metadata.Events.FirstOrDefault(e => e.Index == index);
        }

        if (match is null)
        {
            throw new ScaleException("the event matches none of the contract's events");
        }

        var fields = match.Fields.Select(field => new NamedValue(field.Label, codec.Decode(reader, field.Type))).ToList();
        reader.EnsureEnd();
        return (match, new CompositeValue(fields));
    }

    private byte[] Encode(InkMessage message, (string Label, ScaleValue Value)[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Length != message.Arguments.Count)
        {
            throw new ArgumentException($"'{message.Label}' takes {message.Arguments.Count} arguments, {arguments.Length} given");
        }

        var writer = new ScaleWriter().Raw(message.Selector);
        foreach (var argument in message.Arguments)
        {
            var given = arguments.FirstOrDefault(a => a.Label == argument.Label);
            codec.Encode(writer, argument.Type, given.Value ?? throw new ArgumentException($"'{message.Label}' needs argument '{argument.Label}'"));
        }

        return writer.ToArray();
    }

    private bool IsResult(uint typeId, out uint? okType)
    {
        var type = metadata.Types[typeId];
        okType = type.Parameters.FirstOrDefault(p => p.Name == "T")?.Type;
        return type.Path is ["Result"] && type.Definition is Metadata.VariantType;
    }

    private uint? OkType(uint resultType) => IsResult(resultType, out var ok) ? ok : null;

    private static string DescribeVariant(ScaleValue value) => value is VariantValue variant ? variant.Name : value.ToString();
}

/// <summary>ink! refused the call before the message ran (LangError, e.g. CouldNotReadInput for an unknown selector).</summary>
public sealed class InkLangException(string message, string langError)
    : Exception($"ink! could not run '{message}': {langError}")
{
    public string LangError => langError;
}

/// <summary>The message returned its contract error; <see cref="Code"/> is the spec's code (NotPatient → NOT_PATIENT).</summary>
public sealed class ContractErrorException(string message, string variant)
    : Exception($"'{message}' failed: {ToCode(variant)}")
{
    public string Variant => variant;

    public string Code => ToCode(variant);

    public static string ToCode(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var code = new StringBuilder();
        for (var i = 0; i < variant.Length; i++)
        {
            if (i > 0 && char.IsUpper(variant[i]))
            {
                code.Append('_');
            }

            code.Append(char.ToUpperInvariant(variant[i]));
        }

        return code.ToString();
    }
}
