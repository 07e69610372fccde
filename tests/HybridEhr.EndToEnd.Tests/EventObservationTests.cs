using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.Records.V1;
using Xunit;

namespace HybridEhr.EndToEnd.Tests;

/// <summary>
/// On RabbitMQ the services' integration events leave their processes: an outside subscriber (this test, as an
/// audit or analytics system would be) receives the facts of the paper's flow, each once per id.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class EventObservationTests(RabbitMqSystemFixture fixture) : EndToEndTest(fixture)
{
    [Fact]
    public async Task The_flows_facts_reach_an_outside_subscriber_over_rabbitmq()
    {
        await using var observer = await EventObserver.StartAsync(RabbitMqSystemFixture.ConnectionString);

        var (patient, doctor) = await GrantedPairAsync("Omar", "Pia");
        var created = await CreateRecordAsync(doctor, patient);
        await Api.Records.Call<GetRecordRequest, GetRecordResponse>(new GetRecordRequest { RecordId = created.RecordId }, doctor.Token);

        await observer.WaitForAsync<UserRegistered>(e => e.AccountId == patient.AccountId);
        await observer.WaitForAsync<PermissionGranted>(e => e.PatientAccountId == patient.AccountId && e.DoctorAccountId == doctor.AccountId);
        await observer.WaitForAsync<RecordCreated>(e => e.RecordId == created.RecordId);
        await observer.WaitForAsync<RecordRead>(e => e.RecordId == created.RecordId && e.ReaderAccountId == doctor.AccountId);
    }
}
