namespace TenantChat.FaultSuite;

public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="limit"/> has passed; returns whether it held.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var deadline = SuiteClock.Now + limit;
        while (!condition())
        {
            if (SuiteClock.Now >= deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }
}
