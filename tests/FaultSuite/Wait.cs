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

    /// <summary>Waits until <paramref name="time"/> on the suite's clock; false if <paramref name="stop"/> came first.</summary>
    public static async Task<bool> UntilTimeAsync(TimeSpan time, CancellationToken stop)
    {
        var wait = time - SuiteClock.Now;
        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return !stop.IsCancellationRequested;
    }
}
