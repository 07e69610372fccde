using System.Text;
using Google.Protobuf;
using HybridEhr.Contracts.Records.V1;
using HybridEhr.Records.Documents;
using Xunit;

namespace HybridEhr.Records.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Same_document_gives_the_same_bytes_every_time()
    {
        var first = CanonicalJson.Serialize(Documents.Pneumonia());
        var second = CanonicalJson.Serialize(Documents.Pneumonia());

        Assert.Equal(first, second);
    }

    [Fact]
    public void Round_trip_gives_back_an_equal_document()
    {
        var document = Documents.Pneumonia();

        var parsed = CanonicalJson.Parse(CanonicalJson.Serialize(document));

        Assert.Equal(document, parsed);
    }

    [Fact]
    public void Key_order_of_the_input_does_not_change_the_bytes()
    {
        var canonical = CanonicalJson.Serialize(Documents.Pneumonia());
        var reordered = Encoding.UTF8.GetBytes(Reverse(System.Text.Json.Nodes.JsonNode.Parse(canonical)!).ToJsonString());
        Assert.NotEqual(canonical, reordered);

        Assert.Equal(canonical, CanonicalJson.Serialize(CanonicalJson.Parse(reordered)));
    }

    [Fact]
    public void Keys_are_snake_case_sorted_without_whitespace_and_defaults_are_omitted()
    {
        var document = new EhrDocument { Title = "t", Demographics = new Demographics { BirthDate = new Date { Year = 1990, Month = 1, Day = 2 } } };
        document.Diagnoses.Add(new Diagnosis { Code = new Coding { System = CodeSystem.Icd10, Code = "A00" } });

        var text = Encoding.UTF8.GetString(CanonicalJson.Serialize(document));

        Assert.Equal(
            "{\"demographics\":{\"birth_date\":{\"day\":2,\"month\":1,\"year\":1990}},\"diagnoses\":[{\"code\":{\"code\":\"A00\",\"system\":\"CODE_SYSTEM_ICD10\"}}],\"title\":\"t\"}",
            text);
    }

    [Fact]
    public void Strings_are_escaped_only_where_json_requires()
    {
        var document = new EhrDocument { Title = "Año \"x\" \\ ü 😀 <b>&" };
        document.Notes.Add(new ClinicalNote { NoteId = "n", Text = "a\nb\tc\u0001" });

        var text = Encoding.UTF8.GetString(CanonicalJson.Serialize(document));

        Assert.Contains("\"title\":\"Año \\\"x\\\" \\\\ ü 😀 <b>&\"", text, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"a\\nb\\tc\\u0001\"", text, StringComparison.Ordinal);
        Assert.Equal(document, CanonicalJson.Parse(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Empty_document_is_an_empty_object()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(CanonicalJson.Serialize(new EhrDocument())));
    }

    [Fact]
    public void Unknown_fields_are_refused_when_parsing()
    {
        Assert.Throws<InvalidProtocolBufferException>(() => CanonicalJson.Parse("{\"title\":\"t\",\"secret\":1}"u8));
    }

    private static System.Text.Json.Nodes.JsonNode Reverse(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonObject obj => new System.Text.Json.Nodes.JsonObject(
            obj.Reverse().Select(p => KeyValuePair.Create(p.Key, (System.Text.Json.Nodes.JsonNode?)Reverse(p.Value!)))),
        System.Text.Json.Nodes.JsonArray array => new System.Text.Json.Nodes.JsonArray([.. array.Select(e => (System.Text.Json.Nodes.JsonNode?)Reverse(e!))]),
        _ => node.DeepClone(),
    };
}
