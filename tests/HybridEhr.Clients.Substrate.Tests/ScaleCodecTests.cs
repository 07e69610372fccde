using System.Globalization;
using System.Numerics;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class ScaleCodecTests(PolkadotJs polkadot)
{
    [Theory]
    [InlineData("0", "00")]
    [InlineData("1", "04")]
    [InlineData("63", "fc")]
    [InlineData("64", "0101")]
    [InlineData("16383", "fdff")]
    [InlineData("16384", "02000100")]
    [InlineData("1073741823", "feffffff")]
    [InlineData("1073741824", "0300000040")]
    [InlineData("18446744073709551615", "13ffffffffffffffff")]
    public void Compact_integers_have_the_canonical_encoding(string value, string hex)
    {
        var number = BigInteger.Parse(value, CultureInfo.InvariantCulture);
        Assert.Equal(hex, Convert.ToHexStringLower(ScaleWriter.EncodeCompact(number)));
        Assert.Equal(number, new ScaleReader(Convert.FromHexString(hex)).Compact());
    }

    [Theory]
    [InlineData("0100")] // 0 in two-byte mode
    [InlineData("02000000")] // 0 in four-byte mode
    [InlineData("03ffffff3f")] // fits four-byte mode
    public void Non_canonical_compacts_are_refused(string hex) =>
        Assert.Throws<ScaleException>(() => new ScaleReader(Convert.FromHexString(hex)).Compact());

    [Fact]
    public void Truncated_and_malformed_input_is_refused()
    {
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 1, 2 }).U32());
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 2 }).Bool());
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 2, 0 }).Option(r => r.String()));
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 0x10, 1 }).Bytes());
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 0x04, 0xff }).String());
        Assert.Throws<ScaleException>(() => new ScaleReader(new byte[] { 0xfc }).Vector(r => r.U8()));
    }

    [Fact]
    public void Random_values_round_trip()
    {
        var random = new Random(20261121);
        for (var i = 0; i < 2_000; i++)
        {
            var u8 = (byte)random.Next(256);
            var u16 = (ushort)random.Next(65536);
            var u32 = (uint)random.NextInt64(0, 1L << 32);
            var u64 = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            var i64 = random.NextInt64(long.MinValue, long.MaxValue);
            var u128 = new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64());
            var i128 = (Int128)u128 * (random.Next(2) == 0 ? 1 : -1);
            var compact = RandomBig(random, random.Next(0, 17));
            var text = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0x2000))]).Normalize();
            var list = Enumerable.Range(0, random.Next(0, 20)).Select(_ => (uint)random.Next()).ToList();
            uint? optional = random.Next(2) == 0 ? null : (uint)random.Next();
            var isOk = random.Next(2) == 0;

            var bytes = new ScaleWriter()
                .U8(u8).U16(u16).U32(u32).U64(u64).I64(i64).U128(u128).I128(i128).Compact(compact).String(text)
                .Vector(list, (w, x) => w.U32(x)).OptionValue(optional, (w, x) => w.U32(x))
                .Result(isOk, w => { if (isOk) { w.U64(u64); } else { w.String(text); } })
                .Bool(isOk)
                .ToArray();

            var reader = new ScaleReader(bytes);
            Assert.Equal(u8, reader.U8());
            Assert.Equal(u16, reader.U16());
            Assert.Equal(u32, reader.U32());
            Assert.Equal(u64, reader.U64());
            Assert.Equal(i64, reader.I64());
            Assert.Equal(u128, reader.U128());
            Assert.Equal(i128, reader.I128());
            Assert.Equal(compact, reader.Compact());
            Assert.Equal(text, reader.String());
            Assert.Equal(list, reader.Vector(r => r.U32()));
            Assert.Equal(optional, reader.OptionValue(r => r.U32()));
            Assert.Equal(isOk, reader.ResultIsOk());
            if (isOk)
            {
                Assert.Equal(u64, reader.U64());
            }
            else
            {
                Assert.Equal(text, reader.String());
            }

            Assert.Equal(isOk, reader.Bool());
            reader.EnsureEnd();
        }
    }

    [Fact]
    public void Random_values_encode_exactly_as_polkadot_js_encodes_them()
    {
        var random = new Random(7);
        var items = new List<(string Type, object Value, byte[] Ours)>();
        for (var i = 0; i < 150; i++)
        {
            var compact = RandomBig(random, random.Next(0, 17));
            items.Add(("Compact<u128>", compact.ToString(CultureInfo.InvariantCulture), ScaleWriter.EncodeCompact(compact)));
            var u128 = RandomBig(random, 16);
            items.Add(("u128", u128.ToString(CultureInfo.InvariantCulture), new ScaleWriter().UnsignedFixed(u128, 16).ToArray()));
            var i64 = random.NextInt64(long.MinValue, long.MaxValue);
            items.Add(("i64", i64.ToString(CultureInfo.InvariantCulture), new ScaleWriter().I64(i64).ToArray()));
            var text = new string([.. Enumerable.Range(0, random.Next(0, 70)).Select(_ => (char)random.Next(0x20, 0x7f))]);
            items.Add(("Text", text, new ScaleWriter().String(text).ToArray()));
            var list = Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(3) == 0 ? (ushort?)null : (ushort)random.Next(65536)).ToList();
            items.Add(("Vec<Option<u16>>", list, new ScaleWriter().Vector(list, (w, x) => w.OptionValue(x, (ww, v) => ww.U16(v))).ToArray()));
            var flag = random.Next(2) == 0;
            var code = (uint)random.Next();
            items.Add(("Result<u32,Text>", flag ? new { Ok = code } : new { Err = text },
                new ScaleWriter().Result(flag, w => { if (flag) { w.U32(code); } else { w.String(text); } }).ToArray()));
            var fixedArray = Enumerable.Range(0, 4).Select(_ => (byte)random.Next(256)).ToArray();
            items.Add(("(bool,[u8;4])", new object[] { flag, Hex.Encode(fixedArray) }, new ScaleWriter().Bool(flag).Raw(fixedArray).ToArray()));
        }

        var theirs = polkadot.Run("encode", new { items = items.Select(item => new { type = item.Type, value = item.Value }) })
            .GetProperty("hex").EnumerateArray().Select(hex => hex.GetString()).ToList();

        Assert.Equal(items.Count, theirs.Count);
        for (var i = 0; i < items.Count; i++)
        {
            Assert.True(Hex.Encode(items[i].Ours) == theirs[i], $"{items[i].Type} {items[i].Value}: ours {Hex.Encode(items[i].Ours)}, polkadot-js {theirs[i]}");
        }
    }

    private static BigInteger RandomBig(Random random, int byteCount)
    {
        var bytes = new byte[byteCount];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true);
    }
}
