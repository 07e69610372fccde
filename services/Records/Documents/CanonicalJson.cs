using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Contracts.Records.V1;

namespace HybridEhr.Records.Documents;

/// <summary>
/// The one byte form of an <see cref="EhrDocument"/> that is hashed and anchored (records.proto): protobuf JSON with
/// the declared snake_case names, defaults omitted, object keys sorted by UTF-16 code units, no whitespace, strings
/// escaped only where JSON requires it (RFC 8785 style), UTF-8. Any language can reproduce these bytes.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    // Unknown fields are refused so that what is stored is exactly what the schema describes.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    public static byte[] Serialize(EhrDocument document)
    {
        var node = JsonNode.Parse(Formatter.Format(document));
        var builder = new StringBuilder();
        Write(node, builder);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Reads canonical (or any protobuf JSON) bytes back; throws <see cref="InvalidProtocolBufferException"/> when they do not fit the schema.</summary>
    public static EhrDocument Parse(ReadOnlySpan<byte> utf8) => Parser.Parse<EhrDocument>(Encoding.UTF8.GetString(utf8));

    private static void Write(JsonNode? node, StringBuilder output)
    {
        switch (node)
        {
            case null:
                output.Append("null");
                break;
            case JsonObject obj:
                output.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        output.Append(',');
                    }

                    first = false;
                    WriteString(key, output);
                    output.Append(':');
                    Write(value, output);
                }

                output.Append('}');
                break;
            case JsonArray array:
                output.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        output.Append(',');
                    }

                    Write(array[i], output);
                }

                output.Append(']');
                break;
            default:
                WriteValue(node.AsValue(), output);
                break;
        }
    }

    private static void WriteValue(JsonValue value, StringBuilder output)
    {
        var element = value.GetValue<JsonElement>();
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(element.GetString()!, output);
                break;
            case JsonValueKind.Number:
                // The schema's numbers are all integers (dates, sequences); an integer has one shortest form.
                output.Append(element.TryGetInt64(out var integer)
                    ? integer.ToString(CultureInfo.InvariantCulture)
                    : element.GetDouble().ToString("R", CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            default:
                output.Append("null");
                break;
        }
    }

    private static void WriteString(string text, StringBuilder output)
    {
        output.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        output.Append(c);
                    }

                    break;
            }
        }

        output.Append('"');
    }
}
