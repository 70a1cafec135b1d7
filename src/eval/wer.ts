/** One column of an alignment: a hit, a substitution, a deletion (ref only) or an insertion (hyp only). */
export type AlignmentOp =
	| { op: "="; ref: string; hyp: string }
	| { op: "S"; ref: string; hyp: string }
	| { op: "D"; ref: string }
	| { op: "I"; hyp: string };

export interface ErrorCounts {
	hits: number;
	substitutions: number;
	deletions: number;
	insertions: number;
	/** N: the number of reference tokens (hits + substitutions + deletions). */
	referenceLength: number;
}

export interface ErrorRate extends ErrorCounts {
	/** (S + D + I) / N; 0 when N = 0 and there are no insertions, Infinity when N = 0 and there are. */
	wer: number;
}

export interface AlignmentResult extends ErrorRate {
	alignment: AlignmentOp[];
}

// sclite's word costs (wwd_WORD in SCTK's word.c): a substitution is cheaper than a deletion
// plus an insertion but dearer than either alone, which decides between equal-count alignments.
const SUBSTITUTION_COST = 4;
const INSERTION_COST = 3;
const DELETION_COST = 3;

const FROM_DIAGONAL = 0;
const FROM_ABOVE = 1; // deletion: consumes a reference token
const FROM_LEFT = 2; // insertion: consumes a hypothesis token

/**
 * Minimum-cost alignment of two token sequences with sclite's costs and preferences:
 * at each cell a hit/substitution wins ties, then a deletion, then an insertion.
 */
export function align(
	reference: readonly string[],
	hypothesis: readonly string[],
): AlignmentOp[] {
	const rows = reference.length;
	const cols = hypothesis.length;
	const width = cols + 1;
	const back = new Uint8Array((rows + 1) * width);
	let previous = new Float64Array(width);
	let current = new Float64Array(width);
	for (let j = 1; j <= cols; j++) {
		previous[j] = previous[j - 1] + INSERTION_COST;
		back[j] = FROM_LEFT;
	}
	for (let i = 1; i <= rows; i++) {
		current[0] = previous[0] + DELETION_COST;
		back[i * width] = FROM_ABOVE;
		const refToken = reference[i - 1];
		for (let j = 1; j <= cols; j++) {
			const diagonal =
				previous[j - 1] +
				(refToken === hypothesis[j - 1] ? 0 : SUBSTITUTION_COST);
			const deletion = previous[j] + DELETION_COST;
			const insertion = current[j - 1] + INSERTION_COST;
			if (diagonal <= deletion && diagonal <= insertion) {
				current[j] = diagonal;
				back[i * width + j] = FROM_DIAGONAL;
			} else if (deletion < insertion) {
				current[j] = deletion;
				back[i * width + j] = FROM_ABOVE;
			} else {
				current[j] = insertion;
				back[i * width + j] = FROM_LEFT;
			}
		}
		[previous, current] = [current, previous];
	}

	const ops: AlignmentOp[] = [];
	let i = rows;
	let j = cols;
	while (i > 0 || j > 0) {
		const from = back[i * width + j];
		if (from === FROM_DIAGONAL) {
			const ref = reference[--i];
			const hyp = hypothesis[--j];
			ops.push({ op: ref === hyp ? "=" : "S", ref, hyp });
		} else if (from === FROM_ABOVE) {
			ops.push({ op: "D", ref: reference[--i] });
		} else {
			ops.push({ op: "I", hyp: hypothesis[--j] });
		}
	}
	return ops.reverse();
}

export function countAlignment(alignment: readonly AlignmentOp[]): ErrorCounts {
	const counts = {
		hits: 0,
		substitutions: 0,
		deletions: 0,
		insertions: 0,
		referenceLength: 0,
	};
	for (const { op } of alignment) {
		if (op === "=") counts.hits++;
		else if (op === "S") counts.substitutions++;
		else if (op === "D") counts.deletions++;
		else counts.insertions++;
	}
	counts.referenceLength =
		counts.hits + counts.substitutions + counts.deletions;
	return counts;
}

export function errorRate(counts: ErrorCounts): number {
	const errors = counts.substitutions + counts.deletions + counts.insertions;
	if (counts.referenceLength === 0)
		return errors === 0 ? 0 : Number.POSITIVE_INFINITY;
	return errors / counts.referenceLength;
}

/**
 * The counts of align()'s alignment without keeping it: each cell carries the counts of the
 * predecessor it picks, with the same preferences, so memory stays linear for long inputs.
 */
export function countErrors(
	reference: readonly string[],
	hypothesis: readonly string[],
): ErrorCounts {
	const width = hypothesis.length + 1;
	const row = () => ({
		cost: new Int32Array(width),
		substitutions: new Int32Array(width),
		deletions: new Int32Array(width),
		insertions: new Int32Array(width),
	});
	let previous = row();
	let current = row();
	for (let j = 1; j < width; j++) {
		previous.cost[j] = j * INSERTION_COST;
		previous.insertions[j] = j;
	}
	for (let i = 1; i <= reference.length; i++) {
		current.cost[0] = i * DELETION_COST;
		current.deletions[0] = i;
		const refToken = reference[i - 1];
		for (let j = 1; j < width; j++) {
			const differs = refToken === hypothesis[j - 1] ? 0 : 1;
			const diagonal = previous.cost[j - 1] + differs * SUBSTITUTION_COST;
			const deletion = previous.cost[j] + DELETION_COST;
			const insertion = current.cost[j - 1] + INSERTION_COST;
			// from: the cell this one extends, and k its column there
			let from = previous;
			let k = j - 1;
			if (diagonal <= deletion && diagonal <= insertion) {
				current.cost[j] = diagonal;
			} else if (deletion < insertion) {
				k = j;
				current.cost[j] = deletion;
			} else {
				from = current;
				current.cost[j] = insertion;
			}
			current.substitutions[j] =
				from.substitutions[k] + (from === previous && k < j ? differs : 0);
			current.deletions[j] = from.deletions[k] + (k === j ? 1 : 0);
			current.insertions[j] = from.insertions[k] + (from === current ? 1 : 0);
		}
		[previous, current] = [current, previous];
	}
	const substitutions = previous.substitutions[width - 1];
	const deletions = previous.deletions[width - 1];
	const insertions = previous.insertions[width - 1];
	const referenceLength = reference.length;
	return {
		hits: referenceLength - substitutions - deletions,
		substitutions,
		deletions,
		insertions,
		referenceLength,
	};
}

/** Word error rate of two word arrays, compared exactly (normalize them first). */
export function wordErrorRate(
	reference: readonly string[],
	hypothesis: readonly string[],
): AlignmentResult {
	const alignment = align(reference, hypothesis);
	const counts = countAlignment(alignment);
	return { ...counts, wer: errorRate(counts), alignment };
}

/** Character error rate of two strings, spaces included, compared by code point (normalize them first). */
export function characterErrorRate(
	reference: string,
	hypothesis: string,
): ErrorRate {
	const counts = countErrors(Array.from(reference), Array.from(hypothesis));
	return { ...counts, wer: errorRate(counts) };
}

/** Corpus-level rate: sums the counts of every utterance, so long utterances weigh more. */
export function aggregate(results: Iterable<ErrorCounts>): ErrorRate {
	const total = {
		hits: 0,
		substitutions: 0,
		deletions: 0,
		insertions: 0,
		referenceLength: 0,
	};
	for (const r of results) {
		total.hits += r.hits;
		total.substitutions += r.substitutions;
		total.deletions += r.deletions;
		total.insertions += r.insertions;
		total.referenceLength += r.referenceLength;
	}
	return { ...total, wer: errorRate(total) };
}

/**
 * sclite's pralign view: errors in upper case, a missing word as asterisks,
 * each column as wide as its longer word and followed by one space.
 */
export function renderAlignment(alignment: readonly AlignmentOp[]): string {
	let ref = "REF:  ";
	let hyp = "HYP:  ";
	let evaluation = "Eval: ";
	for (const column of alignment) {
		const refWord = column.op === "I" ? "" : column.ref;
		const hypWord = column.op === "D" ? "" : column.hyp;
		const width = Math.max(refWord.length, hypWord.length);
		const show = (word: string) =>
			word === ""
				? "*".repeat(width)
				: (column.op === "=" ? word : word.toUpperCase()).padEnd(width);
		ref += `${show(refWord)} `;
		hyp += `${show(hypWord)} `;
		evaluation += `${(column.op === "=" ? "" : column.op).padEnd(width)} `;
	}
	return `${ref}\n${hyp}\n${evaluation}`;
}
