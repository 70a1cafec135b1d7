/** Azure's PhraseListGrammar: phrases the engine should favour, where it can. */
export class PhraseListGrammar {
	private constructor(private readonly phrases: string[]) {}

	/** The grammar edits the recognizer's list; changes apply from the next start. */
	static fromRecognizer(recognizer: {
		readonly phraseList: string[];
	}): PhraseListGrammar {
		return new PhraseListGrammar(recognizer.phraseList);
	}

	addPhrase(phrase: string | string[]): void {
		this.phrases.push(...(Array.isArray(phrase) ? phrase : [phrase]));
	}

	addPhrases(phrases: string[]): void {
		this.addPhrase(phrases);
	}

	clear(): void {
		this.phrases.length = 0;
	}

	close(): void {}
}
