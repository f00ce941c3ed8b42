/**
 * Words, names and per-network traits the demo generator draws from. Some entries carry emoji and accents on
 * purpose: the data set exercises utf8mb4 end to end.
 */

/** A social network as the demo knows it: its share of accounts and the media its posts carry. */
export interface NetworkType {
  id: number;
  code: string;
  name: string;
  maxCaptionLength: number;
  /** Share of accounts on this network; 0 for a network no account uses any more. */
  share: number;
  media: readonly string[];
}

export const NETWORK_TYPES: readonly NetworkType[] = [
  {
    id: 1,
    code: "instagram",
    name: "Instagram",
    maxCaptionLength: 2200,
    share: 0.3,
    media: ["image", "carousel", "reel"],
  },
  { id: 2, code: "tiktok", name: "TikTok", maxCaptionLength: 4000, share: 0.25, media: ["video"] },
  { id: 3, code: "youtube", name: "YouTube", maxCaptionLength: 5000, share: 0.12, media: ["video", "short"] },
  { id: 4, code: "x", name: "X", maxCaptionLength: 280, share: 0.13, media: ["text", "image", "video"] },
  {
    id: 5,
    code: "linkedin",
    name: "LinkedIn",
    maxCaptionLength: 3000,
    share: 0.08,
    media: ["text", "image", "document"],
  },
  {
    id: 6,
    code: "facebook",
    name: "Facebook",
    maxCaptionLength: 63206,
    share: 0.09,
    media: ["text", "image", "video"],
  },
  { id: 7, code: "threads", name: "Threads", maxCaptionLength: 500, share: 0.03, media: ["text", "image"] },
  // A retired network kept in the reference table with no accounts: the first round of changes deletes it.
  { id: 8, code: "orkut", name: "Orkut", maxCaptionLength: 1000, share: 0, media: ["text"] },
];

/** Networks that rounds of changes add, one per round, in this order. */
export const NEW_NETWORKS: readonly { code: string; name: string; maxCaptionLength: number }[] = [
  { code: "bluesky", name: "Bluesky", maxCaptionLength: 300 },
  { code: "mastodon", name: "Mastodon", maxCaptionLength: 500 },
  { code: "snapchat", name: "Snapchat", maxCaptionLength: 250 },
  { code: "twitch", name: "Twitch", maxCaptionLength: 140 },
  { code: "pinterest", name: "Pinterest", maxCaptionLength: 500 },
  { code: "reddit", name: "Reddit", maxCaptionLength: 40000 },
];

export const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Emma",
  "Farah",
  "Gabriel",
  "Hana",
  "Ivan",
  "Jade",
  "Kenji",
  "Lena",
  "Mateo",
  "Nora",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Søren",
  "Tariq",
  "Uma",
  "Victor",
  "Wen",
  "Ximena",
  "Yusuf",
  "Zoë",
] as const;

export const LAST_NAMES = [
  "Silva",
  "Müller",
  "Nakamura",
  "Okafor",
  "García",
  "Kowalski",
  "Nguyen",
  "Rossi",
  "Haddad",
  "Johansson",
  "Dubois",
  "Patel",
  "Kim",
  "O'Brien",
  "Ivanova",
  "Moreau",
  "Costa",
  "Yılmaz",
  "Andersen",
  "Lopez",
] as const;

export const HANDLE_WORDS = [
  "daily",
  "studio",
  "travel",
  "food",
  "fit",
  "tech",
  "art",
  "music",
  "style",
  "home",
  "pets",
  "games",
  "cafe",
  "news",
  "lab",
  "club",
  "crew",
  "shop",
  "world",
  "vibes",
  "eats",
  "cycle",
  "yoga",
  "garden",
  "photo",
] as const;

export const EMOJI = ["✨", "🔥", "🌍", "📸", "🎵", "🍜", "💡", "🚀", "🐶", "🌸", "⚽", "🎮"] as const;

export const CAPTION_WORDS = [
  "new",
  "drop",
  "today",
  "behind",
  "the",
  "scenes",
  "launch",
  "weekend",
  "recipe",
  "tips",
  "morning",
  "sunset",
  "tutorial",
  "live",
  "update",
  "thanks",
  "everyone",
  "collab",
  "giveaway",
  "story",
  "journey",
  "best",
  "week",
  "café",
  "naïve",
  "façade",
  "über",
  "mañana",
  "smørrebrød",
  "crème",
  "brûlée",
] as const;

export const HASHTAGS = [
  "travel",
  "foodie",
  "fitness",
  "ootd",
  "tech",
  "music",
  "art",
  "photography",
  "nature",
  "gaming",
  "love",
  "instagood",
  "fyp",
  "viral",
  "motivation",
  "design",
  "coffee",
  "reels",
  "startup",
  "marketing",
] as const;

/** ISO 639-1 codes for the `language` column that the changes add to posts. */
export const LANGUAGES = ["en", "es", "pt", "de", "fr", "ja", "tr", "it", "pl", "nl"] as const;
