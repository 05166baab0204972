using System.Text;
using System.Text.RegularExpressions;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// Splits an item into the chunks that are embedded and searched. Paragraphs (blank lines) and sentences are kept
/// whole where they fit: sentences are packed into a chunk up to <see cref="MaxChars"/>, a chunk ends at a
/// paragraph's end when the next paragraph would not fit, and a chunk cut inside a paragraph repeats its last
/// sentence at the start of the next (the overlap), so a fact spanning the seam is found in one piece. Every chunk's text
/// starts with the item's title, which is what the question most often names. A sentence longer than a chunk is
/// cut at word boundaries.
/// </summary>
public static partial class TextChunker
{
    /// <summary>About 120 words: well inside the embedding model's 256-token window with the title.</summary>
    public const int MaxChars = 700;

    /// <summary>A last sentence longer than this is not repeated in the next chunk.</summary>
    private const int MaxOverlapChars = 250;

    public static IReadOnlyList<string> Chunk(string title, string content)
    {
        var heading = title.Trim();
        var chunks = new List<string>();
        var body = new List<string>();
        var length = 0;
        foreach (var paragraph in Paragraphs(content))
        {
            var sentences = Sentences(paragraph).ToList();
            var paragraphLength = sentences.Sum(sentence => sentence.Length + 1);
            if (length > 0 && length + paragraphLength > MaxChars)
            {
                length = Flush(heading, body, chunks, overlap: false);
            }
            foreach (var sentence in sentences)
            {
                if (length > 0 && length + sentence.Length + 1 > MaxChars)
                {
                    length = Flush(heading, body, chunks);
                }
                body.Add(sentence);
                length += sentence.Length + 1;
            }
        }
        if (length > 0 || chunks.Count == 0)
        {
            Flush(heading, body, chunks, overlap: false);
        }
        return chunks;
    }

    /// <summary>
    /// Ends the chunk being built; returns the length the next one starts with: its <paramref name="overlap"/>, the
    /// last sentence, unless the chunk ends with its paragraph.
    /// </summary>
    private static int Flush(string heading, List<string> body, List<string> chunks, bool overlap = true)
    {
        var text = new StringBuilder(heading);
        if (body.Count > 0)
        {
            text.Append('\n').AppendJoin(' ', body);
        }
        chunks.Add(text.ToString());
        var repeated = overlap && body.Count > 1 && body[^1].Length <= MaxOverlapChars ? body[^1] : null;
        body.Clear();
        if (repeated is null)
        {
            return 0;
        }
        body.Add(repeated);
        return repeated.Length + 1;
    }

    private static IEnumerable<string> Paragraphs(string content) =>
        ParagraphBreak().Split(content.Replace("\r\n", "\n", StringComparison.Ordinal))
            .Select(paragraph => Whitespace().Replace(paragraph, " ").Trim())
            .Where(paragraph => paragraph.Length > 0);

    /// <summary>Sentences of a paragraph; any longer than a chunk is cut at word boundaries.</summary>
    private static IEnumerable<string> Sentences(string paragraph)
    {
        foreach (var sentence in SentenceEnd().Split(paragraph).Where(sentence => sentence.Length > 0))
        {
            if (sentence.Length <= MaxChars - 100)
            {
                yield return sentence;
                continue;
            }
            var piece = new StringBuilder();
            // A single word longer than a chunk (a pasted blob) is cut where it must be.
            foreach (var word in sentence.Split(' ').SelectMany(word => word.Chunk(MaxChars - 100)).Select(part => new string(part)))
            {
                if (piece.Length > 0 && piece.Length + word.Length + 1 > MaxChars - 100)
                {
                    yield return piece.ToString();
                    piece.Clear();
                }
                piece.Append(piece.Length > 0 ? " " : "").Append(word);
            }
            if (piece.Length > 0)
            {
                yield return piece.ToString();
            }
        }
    }

    [GeneratedRegex(@"\n\s*\n")]
    private static partial Regex ParagraphBreak();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>After . ! ? (and closing quotes or brackets), before the space that precedes the next sentence.</summary>
    [GeneratedRegex(@"(?<=[.!?…][""')\]]?)\s+(?=\S)")]
    private static partial Regex SentenceEnd();
}
