namespace TenantChat.KnowledgeBench;

/// <summary>Support-like text made up from parts, deterministic, so every run measures the same work.</summary>
public static class Corpus
{
    private static readonly string[] Subjects =
    [
        "The kettle", "Your order", "The air purifier", "A refund", "The robot vacuum", "Express delivery", "The warranty",
        "Your account", "The thermostat", "A gift card", "The spare filter", "The smart hub", "Your invoice", "The air fryer",
    ];

    private static readonly string[] Predicates =
    [
        "ships within two working days when ordered before 2 pm", "is covered for two years against manufacturing defects",
        "can be returned unused within 30 days for a full refund", "must be descaled every month in hard water areas",
        "connects to the app over 2.4 GHz wifi only", "is replaced free of charge when it arrives damaged",
        "needs its contacts cleaned when it stops charging", "can be paid by card, PayPal or bank transfer",
        "is reset from the sign-in page with a link valid for 30 minutes", "keeps running schedules when the internet is down",
    ];

    private static readonly string[] Questions_ =
    [
        "how long does delivery take", "can I return something I opened", "my vacuum does not charge any more",
        "how do I get my money back", "is the kettle still under warranty", "I forgot my password", "does the hub work offline",
        "can I pay with paypal", "what do I do with a damaged parcel", "how often should I descale",
    ];

    public static IEnumerable<string> Chunks(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var sentences = Enumerable.Range(0, 6).Select(j =>
                $"{Subjects[(i + j) % Subjects.Length]} {Predicates[(i * 7 + j * 3) % Predicates.Length]} (code SKU-{1000 + (i * 13 + j) % 9000}).");
            yield return $"Support article {i}\n" + string.Join(" ", sentences);
        }
    }

    public static IEnumerable<string> Questions(int count) =>
        Enumerable.Range(0, count).Select(i => i % 5 == 4 ? $"SKU-{1000 + i * 37 % 9000}" : Questions_[i % Questions_.Length] + (i % 3 == 0 ? "?" : ""));
}
