using HybridEhr.Clients.Ipfs;
using Xunit;

namespace HybridEhr.Clients.Storage.Tests.Ipfs;

public sealed class CidTextTests
{
    [Theory]
    // Both forms of the same CID, as js-ipfs 0.66.1 printed them for "hello\n".
    [InlineData("zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr", "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am")]
    [InlineData("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am", "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am")]
    [InlineData("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn")]
    public void Cids_are_normalised_to_base32(string printed, string expected) => Assert.Equal(expected, CidText.Normalize(printed));
}
