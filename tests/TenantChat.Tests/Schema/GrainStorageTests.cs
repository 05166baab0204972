using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

public interface IProbeStateGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> ReadAndDeactivateAsync();

    Task ClearAsync();
}

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)] public int Count { get; set; }
}

/// <summary>Exercises the project's own Orleans grain-storage SQL through the ADO.NET provider.</summary>
public sealed class ProbeStateGrain([PersistentState("probe")] IPersistentState<ProbeState> state) : Grain, IProbeStateGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> ReadAndDeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.FromResult(state.State.Count);
    }

    public Task ClearAsync() => state.ClearStateAsync();
}

[Collection(ClusterCollection.Name)]
public sealed class GrainStorageTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Grain_state_survives_deactivation_and_can_be_cleared()
    {
        var key = $"probe-{Guid.NewGuid():N}";
        var grain = fixture.Cluster.Client.GetGrain<IProbeStateGrain>(key);

        await grain.IncrementAsync();
        await grain.IncrementAsync();
        Assert.Equal(3, await grain.IncrementAsync());
        Assert.Equal(3, await grain.ReadAndDeactivateAsync());
        await Task.Delay(200);
        Assert.Equal(3, await grain.ReadAndDeactivateAsync()); // read back from the database by a new activation

        await grain.ClearAsync();
        await Task.Delay(200);
        Assert.Equal(1, await grain.IncrementAsync());

        await using var rows = fixture.Database.CreateCommand("select count(*) from orleansstorage where grainidextensionstring = @key");
        rows.Parameters.AddWithValue("key", key);
        Assert.Equal(1L, (long)(await rows.ExecuteScalarAsync())!);
    }
}
