using HybridEhr.ImageNft.Content;
using Xunit;

namespace HybridEhr.ImageNft.Tests;

public sealed class ImageSignaturesTests
{
    [Fact]
    public void Each_type_is_recognised_by_its_magic_number()
    {
        Assert.True(ImageSignatures.Matches(ImageSignatures.Png, Images.Png(200)));
        Assert.True(ImageSignatures.Matches(ImageSignatures.Jpeg, Images.Jpeg(200)));
        Assert.True(ImageSignatures.Matches(ImageSignatures.Dicom, Images.Dicom(200)));
    }

    [Fact]
    public void A_type_is_refused_for_the_bytes_of_another()
    {
        Assert.False(ImageSignatures.Matches(ImageSignatures.Png, Images.Jpeg(200)));
        Assert.False(ImageSignatures.Matches(ImageSignatures.Jpeg, Images.Png(200)));
        Assert.False(ImageSignatures.Matches(ImageSignatures.Dicom, Images.Png(200)));
        Assert.Equal(ImageSignatures.Jpeg, ImageSignatures.Detect(Images.Jpeg(200)));
    }

    [Fact]
    public void Dicom_needs_DICM_exactly_at_offset_128()
    {
        var shifted = new byte[200];
        "DICM"u8.CopyTo(shifted.AsSpan(0));
        Assert.False(ImageSignatures.Matches(ImageSignatures.Dicom, shifted));
        Assert.False(ImageSignatures.Matches(ImageSignatures.Dicom, Images.Dicom(200).AsSpan(0, 131)));
        Assert.Equal(132, ImageSignatures.RequiredLength(ImageSignatures.Dicom));
    }

    [Fact]
    public void Only_the_three_documented_types_are_supported()
    {
        Assert.Equal(["image/png", "image/jpeg", "application/dicom"], ImageSignatures.Supported);
        Assert.False(ImageSignatures.IsSupported("image/gif"));
        Assert.False(ImageSignatures.IsSupported("IMAGE/PNG"));
    }
}
