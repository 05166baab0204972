namespace TenantChat.Bench;

/// <summary>
/// The knowledge-on tenant's items: support articles of a shop selling small appliances, put together from parts
/// so every run indexes the same text. Each item is a title and a few paragraphs, one or two chunks once split.
/// </summary>
public static class KnowledgeCorpus
{
    /// <summary>A customer's question the corpus answers: every knowledge call retrieves for it and finds chunks.</summary>
    public const string Prompt = "How long does express delivery take to arrive?";

    private static readonly string[] Products =
    [
        "kettle", "air purifier", "robot vacuum", "thermostat", "smart hub", "air fryer", "coffee grinder", "desk lamp",
        "electric toothbrush", "dehumidifier", "baby monitor", "food processor",
    ];

    private static readonly (string Topic, string[] Sentences)[] Topics =
    [
        ("Delivery", [
            "Standard delivery takes three to five working days within the mainland.",
            "Express delivery arrives the next working day when the order is placed before 2 pm.",
            "Orders over 50 euros ship free of charge; smaller orders pay a flat fee of 4.95 euros.",
            "A tracking link is emailed as soon as the parcel leaves our warehouse.",
        ]),
        ("Returns", [
            "Unused items can be returned within 30 days of delivery for a full refund.",
            "Print the prepaid label from your account page and drop the parcel at any post office.",
            "Refunds reach the original payment method within five working days of the return arriving.",
            "Opened items are accepted when they are complete and undamaged, less a 10 percent restocking fee.",
        ]),
        ("Warranty", [
            "Every appliance is covered for two years against manufacturing defects.",
            "Register the serial number within 60 days to extend the warranty to three years.",
            "Damage from drops, liquids or unofficial repairs is not covered.",
            "A warranty claim needs the order number and a short video of the fault.",
        ]),
        ("Setup", [
            "Download the app, create an account and hold the button for five seconds until the light blinks blue.",
            "The device joins 2.4 GHz wifi networks only; 5 GHz networks are not supported.",
            "If pairing fails, restart the router and keep the device within three metres of it.",
            "Firmware updates install overnight and take about ten minutes.",
        ]),
        ("Care", [
            "Wipe the outside with a damp cloth; never put the base in water.",
            "Replace the filter every six months, or sooner in dusty rooms.",
            "Descale monthly in hard water areas with the descaler sold in our shop.",
            "Store the appliance dry and unplugged when it is not used for a long time.",
        ]),
    ];

    /// <summary><paramref name="count"/> articles, deterministic: a product, a topic and a code make each one distinct.</summary>
    public static IEnumerable<(string Title, string Content)> Items(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var product = Products[i % Products.Length];
            var (topic, sentences) = Topics[i / Products.Length % Topics.Length];
            var code = $"SKU-{4000 + i}";
            var first = string.Join(" ", sentences.Take(2 + i % 3));
            var second = string.Join(" ", sentences.Skip(1).Concat(sentences.Take(1)));
            yield return ($"{topic}: the {product} ({code})",
                $"This article covers {topic.ToLowerInvariant()} for the {product}, product code {code}. {first}\n\n" +
                $"Questions about the {product} that this does not answer go to our support team by chat or email. {second}");
        }
    }
}
