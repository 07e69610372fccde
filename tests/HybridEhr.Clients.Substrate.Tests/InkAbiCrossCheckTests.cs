using System.Text;
using System.Text.Json;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class InkAbiCrossCheckTests(PolkadotJs polkadot)
{
    private static readonly string MetadataPath = Path.Combine(PolkadotJs.RepositoryRoot, "chaincode", "ink", "access_control.metadata.json");
    private static readonly byte[] Alice = Ed25519KeyPair.FromUri("//Alice").PublicKey;
    private static readonly byte[] DrSmith = Ed25519KeyPair.FromUri("//Bob").PublicKey;
    private static readonly byte[] DocumentHash = SubstrateHashers.Blake2b256("doc-smith"u8);

    private readonly InkAbi abi = new(InkMetadata.Load(MetadataPath));

    // Each call as ours (label + ScaleValues) and as polkadot-js's Abi takes it (JSON args in declaration order).
    private static readonly (string Label, (string, ScaleValue)[] Ours, object[] Theirs)[] Calls =
    [
        ("init", [("registrar", ScaleValue.Of(Alice))], [Hex.Encode(Alice)]),
        ("get_registrar", [], []),
        ("attest_doctor", [("document_id_hash", ScaleValue.Of(DocumentHash)), ("organization", ScaleValue.Of("HospitalA"))], [Hex.Encode(DocumentHash), "HospitalA"]),
        ("add_user", [("document_id_hash", ScaleValue.Of(DocumentHash)), ("role", ScaleValue.Some(ScaleValue.Variant("Doctor")))], [Hex.Encode(DocumentHash), "Doctor"]),
        ("add_user", [("document_id_hash", ScaleValue.Of(DocumentHash)), ("role", ScaleValue.None)], [Hex.Encode(DocumentHash), null!]),
        ("assign_role", [("role", ScaleValue.Variant("Doctor"))], ["Doctor"]),
        ("grant_permission", [("grantee", ScaleValue.Of(DrSmith)), ("expires_at", ScaleValue.Some(ScaleValue.Of(1_767_225_660_000UL)))], [Hex.Encode(DrSmith), 1_767_225_660_000L]),
        ("has_permission", [("patient", ScaleValue.Of(Alice)), ("grantee", ScaleValue.Of(DrSmith))], [Hex.Encode(Alice), Hex.Encode(DrSmith)]),
        ("approve_access", [("doctor", ScaleValue.Of(DrSmith)), ("expires_at", ScaleValue.None)], [Hex.Encode(DrSmith), null!]),
        ("list_requests", [("patient", ScaleValue.None), ("doctor", ScaleValue.Some(ScaleValue.Of(DrSmith))), ("status", ScaleValue.Some(ScaleValue.Variant("Denied")))], [null!, Hex.Encode(DrSmith), "Denied"]),
    ];

    [Fact]
    public void Selectors_are_blake2b_of_the_labels_and_match_polkadot_js()
    {
        var theirs = Run([], []);
        foreach (var message in abi.Metadata.Messages)
        {
            Assert.Equal(InkAbi.SelectorOf(message.Label), message.Selector);
        }

        foreach (var constructor in abi.Metadata.Constructors)
        {
            Assert.Equal(InkAbi.SelectorOf(constructor.Label), constructor.Selector);
        }

        var expected = theirs.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("identifier").GetString(), m.GetProperty("selector").GetString(), m.GetProperty("blake2Selector").GetString()))
            .ToList();
        Assert.Equal(expected, abi.Metadata.Messages.Select(m => ((string?)m.Label, (string?)Hex.Encode(m.Selector), (string?)Hex.Encode(InkAbi.SelectorOf(m.Label)))).ToList());
        Assert.Equal("0x9bae9d5e", Hex.Encode(abi.Metadata.Constructor("new").Selector)); // ink!'s well-known selector of `new`
    }

    [Fact]
    public void The_paper_functions_and_our_extras_are_all_messages()
    {
        string[] spec =
        [
            "init", "get_registrar", "attest_doctor", "get_attestation", "add_user", "assign_role", "user_exists", "user_role",
            "get_role", "get_user", "grant_permission", "revoke_permission", "has_permission", "get_grantees",
            "request_access", "approve_access", "deny_access", "list_requests",
        ];
        Assert.Equal(spec.Order(), abi.Metadata.Messages.Select(m => m.Label).Order());
    }

    [Fact]
    public void Call_data_equals_the_Abi_encoding()
    {
        var theirs = Run(Calls.Select(c => new { label = c.Label, args = c.Theirs }), []);
        var expected = theirs.GetProperty("callData").EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal(expected, Calls.Select(c => Hex.Encode(abi.EncodeMessage(c.Label, c.Ours))).ToList());
    }

    [Fact]
    public void Return_values_encoded_by_polkadot_js_decode_and_unwrap()
    {
        object user = new { account = Hex.Encode(Alice), role = "Patient", document_id_hash = Hex.Encode(DocumentHash), registered_at = 1_767_225_600_000L };
        var returns = new object[]
        {
            new { label = "get_user", value = new { Ok = new { Ok = user } } },
            new { label = "get_user", value = new { Ok = new { Err = "UserNotFound" } } },
            new { label = "has_permission", value = new { Ok = true } },
            new { label = "get_registrar", value = new { Err = "CouldNotReadInput" } },
            new { label = "get_grantees", value = new { Ok = new[] { new { grantee = Hex.Encode(DrSmith), granted_at = 5L, expires_at = (long?)9 } } } },
            new { label = "revoke_permission", value = new { Ok = new { Err = "NotPatient" } } },
        };
        var data = Run([], returns).GetProperty("returnData").EnumerateArray().Select(d => Hex.Decode(d.GetString()!)).ToList();

        var decodedUser = abi.DecodeReturnUnwrapped("get_user", data[0]);
        Assert.Equal(Alice, decodedUser["account"].AsBytes());
        Assert.Equal("Patient", ((VariantValue)decodedUser["role"]).Name);
        Assert.Equal(1_767_225_600_000, (long)decodedUser["registered_at"].AsNumber());

        var notFound = Assert.Throws<ContractErrorException>(() => abi.DecodeReturnUnwrapped("get_user", data[1]));
        Assert.Equal("USER_NOT_FOUND", notFound.Code);
        Assert.Equal(ScaleValue.Of(true), abi.DecodeReturnUnwrapped("has_permission", data[2]));
        Assert.Equal("CouldNotReadInput", Assert.Throws<InkLangException>(() => abi.DecodeReturnUnwrapped("get_registrar", data[3])).LangError);

        var grantees = Assert.IsType<SequenceValue>(abi.DecodeReturnUnwrapped("get_grantees", data[4]));
        var grantee = Assert.Single(grantees.Items);
        Assert.Equal(DrSmith, grantee["grantee"].AsBytes());
        Assert.Equal(ScaleValue.Some(ScaleValue.Of(9UL)), grantee["expires_at"]);
        Assert.Equal("NOT_PATIENT", Assert.Throws<ContractErrorException>(() => abi.DecodeReturnUnwrapped("revoke_permission", data[5])).Code);
    }

    [Fact]
    public void Event_topics_are_blake2b_of_the_event_signatures_and_events_decode()
    {
        var theirs = Run([], []).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("signatureTopic").GetString()).ToList();
        Assert.Equal(theirs, abi.Metadata.Events.Select(e => (string?)Hex.Encode(e.SignatureTopic!)).ToList());
        var granted = abi.Metadata.Events.Single(e => e.Label == "PermissionGranted");
        Assert.Equal(SubstrateHashers.Blake2b256(Encoding.UTF8.GetBytes("PermissionGranted(AccountId,AccountId,Option<u64>)")), granted.SignatureTopic);

        // ink! 5 puts every field in the data and the signature topic first among the topics.
        var data = new ScaleWriter().Raw(Alice).Raw(DrSmith).U8(1).U64(42).ToArray();
        var (inkEvent, fields) = abi.DecodeEvent(data, [granted.SignatureTopic!, Alice, DrSmith]);
        Assert.Equal("PermissionGranted", inkEvent.Label);
        Assert.Equal(DrSmith, fields["grantee"].AsBytes());
        Assert.Equal(ScaleValue.Some(ScaleValue.Of(42UL)), fields["expires_at"]);
        Assert.Throws<ScaleException>(() => abi.DecodeEvent(data, [new byte[32]]));
    }

    [Fact]
    public void Spec_json_arguments_encode_to_the_Abi_call_data_and_results_come_back_as_spec_json()
    {
        var json = new InkJson(abi);
        var hash = Convert.ToHexStringLower(DocumentHash);
        (string Label, string Args, object[] Theirs)[] calls =
        [
            ("add_user", $$"""{"document_id_hash":"{{hash}}","role":"doctor"}""", [Hex.Encode(DocumentHash), "Doctor"]),
            ("add_user", $$"""{"document_id_hash":"{{hash}}"}""", [Hex.Encode(DocumentHash), null!]),
            ("grant_permission", $$"""{"grantee":"{{Hex.Encode(DrSmith)}}","expires_at":1767225660000}""", [Hex.Encode(DrSmith), 1_767_225_660_000L]),
            ("list_requests", $$"""{"doctor":"{{Hex.Encode(DrSmith)}}","status":"denied"}""", [null!, Hex.Encode(DrSmith), "Denied"]),
            ("attest_doctor", $$"""{"document_id_hash":"{{hash}}","organization":"HospitalA"}""", [Hex.Encode(DocumentHash), "HospitalA"]),
        ];
        var theirs = Run(calls.Select(c => new { label = c.Label, args = c.Theirs }), []).GetProperty("callData").EnumerateArray().Select(d => d.GetString()!).ToList();
        var ours = calls.Select(c => Hex.Encode(abi.EncodeMessage(c.Label, json.Arguments(c.Label, System.Text.Json.Nodes.JsonNode.Parse(c.Args)!.AsObject())))).ToList();
        Assert.Equal(theirs, ours);

        var user = new { account = Hex.Encode(Alice), role = "Doctor", document_id_hash = Hex.Encode(DocumentHash), registered_at = 1_767_225_600_000L };
        var data = Hex.Decode(Run([], [new { label = "get_user", value = new { Ok = new { Ok = user } } }]).GetProperty("returnData")[0].GetString()!);
        var result = json.Result("get_user", abi.DecodeReturnUnwrapped("get_user", data));
        var expected = $$"""{"account":"{{Hex.Encode(Alice)}}","role":"doctor","document_id_hash":"{{hash}}","registered_at":1767225600000}""";
        Assert.Equal(expected, result!.ToJsonString());
    }

    [Theory]
    [InlineData("add_user", """{"document_id_hash":"0xabab"}""")] // not 64 digits, and a hash has no 0x
    [InlineData("add_user", """{"document_id_hash":"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"}""")] // upper case
    [InlineData("add_user", """{"document_id_hash":"abababababababababababababababababababababababababababababababab","role":"admin"}""")]
    [InlineData("add_user", """{"document_id_hash":"abababababababababababababababababababababababababababababababab","colour":"blue"}""")]
    [InlineData("grant_permission", """{"grantee":"abababababababababababababababababababababababababababababababab"}""")] // account without 0x
    [InlineData("grant_permission", """{"grantee":"0xabababababababababababababababababababababababababababababababab","expires_at":-5}""")]
    [InlineData("grant_permission", """{"grantee":"0xabababababababababababababababababababababababababababababababab","expires_at":"soon"}""")]
    [InlineData("has_permission", """{"patient":"0xabababababababababababababababababababababababababababababababab"}""")] // missing grantee
    public void Ill_shaped_spec_arguments_are_refused_before_encoding(string message, string arguments) =>
        Assert.Throws<ArgumentException>(() => new InkJson(abi).Arguments(message, System.Text.Json.Nodes.JsonNode.Parse(arguments)!.AsObject()));

    [Fact]
    public void Version_4_metadata_gives_the_same_call_data_and_decodes_events_by_index()
    {
        // The same ABI in the V4 layout: version "4", events without signature topics, identified by a leading index byte.
        var v4 = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(MetadataPath))!.AsObject();
        v4["version"] = "4";
        foreach (var e in v4["spec"]!["events"]!.AsArray())
        {
            e!.AsObject().Remove("signature_topic");
            e.AsObject().Remove("module_path");
        }

        var path = Path.Combine(Path.GetTempPath(), $"access_control.v4.{Guid.NewGuid():N}.json");
        File.WriteAllText(path, v4.ToJsonString());
        try
        {
            var abiV4 = new InkAbi(InkMetadata.Load(path));
            Assert.Equal(4, abiV4.Metadata.Version);
            var theirs = polkadot.Run("contractAbi", new { metadataPath = path, calls = Calls.Select(c => new { label = c.Label, args = c.Theirs }), returns = Array.Empty<object>() });
            Assert.Equal(
                theirs.GetProperty("callData").EnumerateArray().Select(d => d.GetString()!).ToList(),
                Calls.Select(c => Hex.Encode(abiV4.EncodeMessage(c.Label, c.Ours))).ToList());

            var index = abiV4.Metadata.Events.Single(e => e.Label == "PermissionRevoked").Index;
            var data = new ScaleWriter().U8(index).Raw(Alice).Raw(DrSmith).Bool(true).ToArray();
            var (inkEvent, fields) = abiV4.DecodeEvent(data, []);
            Assert.Equal("PermissionRevoked", inkEvent.Label);
            Assert.Equal(ScaleValue.Of(true), fields["was_live"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private JsonElement Run(IEnumerable<object> calls, IEnumerable<object> returns) =>
        polkadot.Run("contractAbi", new { metadataPath = MetadataPath, calls, returns });
}
