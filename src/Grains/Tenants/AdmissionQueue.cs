using TenantChat.Grains.Models;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A tenant's calls that would fit its budget once calls in flight settle (contract section 9, invariant 7). When
/// tokens are freed, the waiting calls are offered them in arrival order: each that fits now is admitted, and one
/// that still does not fit keeps its place without holding up smaller calls behind it. A call waits at most the
/// time it is given, and leaves at once when its caller goes away. Used only in the tenant grain's turns.
/// </summary>
internal sealed class AdmissionQueue
{
    private readonly LinkedList<Waiter> _waiters = [];

    public int Count => _waiters.Count;

    /// <summary>
    /// Waits until <paramref name="call"/> is admitted or refused by <see cref="AdmitFitting"/>, or leaves
    /// (<see cref="Leave"/>); null when <paramref name="maxWait"/> passes first.
    /// </summary>
    public async Task<Outcome<AdmittedCall>?> WaitAsync(PendingCall call, TimeSpan maxWait, TimeProvider clock)
    {
        var waiter = new Waiter(call);
        var node = _waiters.AddLast(waiter);
        var decided = waiter.Decided.Task;
        try
        {
            return await decided.WaitAsync(maxWait, clock);
        }
        catch (TimeoutException)
        {
            // Handled below: the call may have been decided in a turn that ran between the timer and this one.
        }
        if (decided.IsCompleted)
        {
            return await decided;
        }
        _waiters.Remove(node);
        return null;
    }

    /// <summary>
    /// Offers every waiting call, oldest first, to <paramref name="tryAdmit"/>, which answers null for a call that
    /// must wait on; any other answer (admitted, or refused) ends that call's wait.
    /// </summary>
    public void AdmitFitting(Func<PendingCall, Outcome<AdmittedCall>?> tryAdmit)
    {
        for (var node = _waiters.First; node is not null;)
        {
            var next = node.Next;
            if (tryAdmit(node.Value.Call) is { } decided)
            {
                _waiters.Remove(node);
                node.Value.Decided.SetResult(decided);
            }
            node = next;
        }
    }

    /// <summary>Ends the wait of request <paramref name="requestId"/> with <paramref name="reason"/>; false when it is not waiting.</summary>
    public bool Leave(Guid requestId, ServiceError reason)
    {
        for (var node = _waiters.First; node is not null; node = node.Next)
        {
            if (node.Value.Call.RequestId == requestId)
            {
                _waiters.Remove(node);
                node.Value.Decided.SetResult(reason);
                return true;
            }
        }
        return false;
    }

    private sealed class Waiter(PendingCall call)
    {
        public PendingCall Call { get; } = call;

        public TaskCompletionSource<Outcome<AdmittedCall>> Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
