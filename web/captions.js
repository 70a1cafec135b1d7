/**
 * Subtitle cues from recognized phrases, shared by `earshot recognize -o srt|vtt` (src/cli) and
 * the captions page's downloads: one module, so both follow the same rules. Plain JavaScript,
 * since the page has no build step; types are in captions.d.ts.
 *
 * A phrase is `{text, offset, duration, words?}` in 100-ns ticks, `words` being the engine's
 * `{word, offset, duration}` (Azure's `NBest[0].Words`, lower-cased). Cues are in seconds.
 */

const TICKS_PER_SECOND = 10_000_000;

/** Common subtitle practice: two lines of 42 characters, on screen for 1 to 7 s. */
export const CAPTION_DEFAULTS = Object.freeze({
	maxLineChars: 42,
	maxLines: 2,
	maxCueSeconds: 7,
	minCueSeconds: 1,
});

/** Where the limits may lie; the CLI and the page refuse values outside. */
export const CAPTION_RANGES = Object.freeze({
	maxLineChars: [10, 200],
	maxLines: [1, 5],
	maxCueSeconds: [1, 60],
	minCueSeconds: [0, 10],
});

const SENTENCE_END = /[.?!…]["')\]]*$/;
const CLAUSE_END = /[,;:–—]["')\]]*$/;
/** A pause this long between words makes a break as good as a full stop. */
const FULL_PAUSE_SECONDS = 0.5;

/**
 * The cues for `phrases` (in order), with `limits` over CAPTION_DEFAULTS. Each phrase is cut at
 * word boundaries into cues of at most `maxLines` lines of `maxLineChars` and `maxCueSeconds`,
 * preferring sentence ends, then clause punctuation and pauses; a word longer than a line gets
 * a cue of its own. A cue shorter than `minCueSeconds` stays up longer, but never past the next.
 */
export function buildCues(phrases, limits = {}) {
	const options = withDefaults(limits);
	return settleCues(
		phrases.flatMap((phrase) => phraseCues(phrase, options)),
		Number.POSITIVE_INFINITY,
		options,
	);
}

/**
 * A phrase for the cue builder from Azure's phrase JSON (a speech.phrase body, or an SDK
 * result's `json`): its times, and the word times that Detailed output carries.
 */
export function captionPhrase(text, json) {
	const words = json?.NBest?.[0]?.Words;
	return {
		text,
		offset: json?.Offset ?? 0,
		duration: json?.Duration ?? 0,
		...(words
			? {
					words: words.map((w) => ({
						word: w.Word,
						offset: w.Offset,
						duration: w.Duration,
					})),
				}
			: {}),
	};
}

/** One phrase's cues, before `settleCues` stretches the short ones. */
export function phraseCues(phrase, limits = {}) {
	const options = withDefaults(limits);
	const tokens = timedTokens(phrase);
	const n = tokens.length;
	if (n === 0) return [];
	// best[j]: the cheapest way to cut tokens [0, j) into cues; from[j]: where its last cue starts.
	const best = [0];
	const from = [0];
	for (let j = 1; j <= n; j++) {
		best[j] = Number.POSITIVE_INFINITY;
		for (let i = j - 1; i >= 0; i--) {
			const cue = tokens.slice(i, j);
			if (i < j - 1 && !fits(cue, options)) break;
			const cost = best[i] + cueCost(cue, options) + breakCost(tokens, j);
			if (cost < best[j]) {
				best[j] = cost;
				from[j] = i;
			}
		}
	}
	const cues = [];
	for (let j = n; j > 0; j = from[j]) {
		const cue = tokens.slice(from[j], j);
		cues.unshift({
			start: cue[0].start,
			end: cue.at(-1).end,
			lines: lineBreaks(
				cue.map((t) => t.text),
				options,
			),
		});
	}
	return cues;
}

/**
 * Keeps each cue of `cues` up for at least `minCueSeconds` where the gap to the next allows
 * (`nextStart` is where the cue after the last begins, if known), and never overlapping it.
 */
export function settleCues(cues, nextStart, limits = {}) {
	const { minCueSeconds } = withDefaults(limits);
	return cues.map((cue, i) => {
		const next = i + 1 < cues.length ? cues[i + 1].start : nextStart;
		const end = Math.min(Math.max(cue.end, cue.start + minCueSeconds), next);
		return { ...cue, end: Math.max(end, cue.start) };
	});
}

/** `limits` over CAPTION_DEFAULTS; an unset (undefined) limit keeps its default. */
function withDefaults(limits) {
	const options = { ...CAPTION_DEFAULTS };
	for (const key of Object.keys(options))
		if (limits?.[key] !== undefined) options[key] = limits[key];
	return options;
}

/** An SRT block (number `index`, from 1) or a WebVTT one. */
export function formatCue(cue, index, format) {
	const separator = format === "srt" ? "," : ".";
	const times = `${timestamp(cue.start, separator)} --> ${timestamp(cue.end, separator)}`;
	const text = cue.lines.join("\n");
	return format === "srt"
		? `${index}\n${times}\n${text}\n\n`
		: `${times}\n${text}\n\n`;
}

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT). */
export function timestamp(seconds, separator) {
	const ms = Math.round(seconds * 1000);
	const pad = (n, width = 2) => String(n).padStart(width, "0");
	const h = Math.floor(ms / 3_600_000);
	const m = Math.floor(ms / 60_000) % 60;
	const s = Math.floor(ms / 1000) % 60;
	return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/**
 * The phrase's display words with times: the engine's own word times when its words match the
 * text one for one; else the text's characters spread over the words' times (numbers written
 * as digits, spoken punctuation), or over the whole phrase when the engine gives no words.
 */
function timedTokens(phrase) {
	const texts = phrase.text.split(/\s+/).filter(Boolean);
	const words = (phrase.words ?? []).filter(
		(w) => Number.isFinite(w.offset) && Number.isFinite(w.duration),
	);
	if (words.length > 0 && words.length === texts.length)
		return texts.map((text, i) => ({
			text,
			start: words[i].offset / TICKS_PER_SECOND,
			end:
				(words[i].offset + Math.max(0, words[i].duration)) / TICKS_PER_SECOND,
		}));
	const spans = words
		.filter((w) => w.word && w.duration >= 0)
		.map((w) => ({
			chars: w.word.length,
			start: w.offset / TICKS_PER_SECOND,
			end: (w.offset + w.duration) / TICKS_PER_SECOND,
		}));
	if (spans.length === 0)
		spans.push({
			chars: 1,
			start: phrase.offset / TICKS_PER_SECOND,
			end: (phrase.offset + Math.max(0, phrase.duration)) / TICKS_PER_SECOND,
		});
	const spanChars = spans.reduce((sum, s) => sum + s.chars, 0);
	const textChars = texts.reduce((sum, t) => sum + t.length, 0);
	let at = 0;
	return texts.map((text) => {
		const from = at;
		at += text.length;
		return {
			text,
			start: timeAt(spans, (from / textChars) * spanChars, "start"),
			end: timeAt(spans, (at / textChars) * spanChars, "end"),
		};
	});
}

/** The time at character `x` of `spans`; at a boundary, the start of the next or end of the last. */
function timeAt(spans, x, edge) {
	let at = 0;
	for (const span of spans) {
		const inside =
			edge === "start" ? x < at + span.chars : x <= at + span.chars;
		if (inside)
			return (
				span.start +
				((Math.max(0, x - at) / span.chars) * (span.end - span.start) || 0)
			);
		at += span.chars;
	}
	return spans.at(-1).end;
}

/** Whether `tokens` wrap into the cue's lines and last no longer than a cue may. */
function fits(tokens, options) {
	if (tokens.at(-1).end - tokens[0].start > options.maxCueSeconds) return false;
	let lines = 1;
	let width = -1;
	for (const { text } of tokens) {
		if (text.length > options.maxLineChars) return false;
		if (width + 1 + text.length > options.maxLineChars) {
			lines++;
			width = text.length;
		} else width += 1 + text.length;
	}
	return lines <= options.maxLines;
}

/** Every cue costs 1, so fewer cues are better; a nearly empty one costs a little more. */
function cueCost(tokens, options) {
	const chars = tokens.reduce((sum, t) => sum + t.text.length + 1, -1);
	const room = Math.max(
		0,
		1 - chars / (options.maxLineChars * options.maxLines),
	);
	return 1 + room * room;
}

/** Cutting after token `j - 1`: free at a sentence end or a long pause, dearest mid-clause. */
function breakCost(tokens, j) {
	if (j >= tokens.length) return 0;
	const text = tokens[j - 1].text;
	const pause = Math.max(0, tokens[j].start - tokens[j - 1].end);
	const punctuation = SENTENCE_END.test(text)
		? 0
		: CLAUSE_END.test(text)
			? 1.5
			: 3;
	return Math.max(0, punctuation - (3 * pause) / FULL_PAUSE_SECONDS);
}

/**
 * `words` as the fewest lines that fit (a word longer than a line has one to itself), balanced
 * in length, breaking after punctuation where that costs little balance.
 */
function lineBreaks(words, options) {
	const { maxLineChars } = options;
	const n = words.length;
	const width = (i, j) =>
		words.slice(i, j).reduce((sum, w) => sum + w.length + 1, -1);
	// best[k][j]: the cost of words [0, j) on k lines.
	const best = [[0, ...Array(n).fill(Number.POSITIVE_INFINITY)]];
	const from = [[]];
	for (let k = 1; k <= n; k++) {
		best.push(Array(n + 1).fill(Number.POSITIVE_INFINITY));
		from.push([]);
		for (let j = 1; j <= n; j++)
			for (let i = j - 1; i >= 0; i--) {
				const w = width(i, j);
				if (w > maxLineChars && i < j - 1) break;
				const bonus =
					j < n &&
					(SENTENCE_END.test(words[j - 1]) || CLAUSE_END.test(words[j - 1]))
						? (maxLineChars * maxLineChars) / 4
						: 0;
				const cost = best[k - 1][i] + w * w - bonus;
				if (cost < best[k][j]) {
					best[k][j] = cost;
					from[k][j] = i;
				}
			}
		if (best[k][n] < Number.POSITIVE_INFINITY) {
			const lines = [];
			for (let j = n, line = k; line > 0; j = from[line][j], line--)
				lines.unshift(words.slice(from[line][j], j).join(" "));
			return lines;
		}
	}
	return [words.join(" ")];
}
