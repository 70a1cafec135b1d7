/** British → American spelling for a lower-case word; other words come back unchanged. */

// Roots whose British "-our" is American "-or": colour, honoured, dishonour, neighbours, ...
const OUR_ROOTS = new Set(
	(
		"arb ard arm behavi misbehavi cand clam col discol dishon ferv flav harb hon hum lab" +
		" misdemean neighb od parl ranc rig rum sav splend succ tum unfav fav val vap vig endeav"
	).split(" "),
);
const OUR_FORM =
	/^([a-z]+)our(s|ed|ing|er|ers|able|ably|ful|fully|less|ite|ites|hood|hoods|ist|ists|y)?$/;

// Roots whose British "-re" is American "-er": centre, theatres, metre, centred, ...
const RE_ROOTS = new Set(
	"cent epicent calib fib lit met kilomet centimet millimet lust meag sab sepulch somb spect theat".split(
		" ",
	),
);
const RE_FORM = /^([a-z]+)re(s|d)?$/;

// Roots whose British "-ise"/"-isation" is American "-ize"/"-ization".
const ISE_ROOTS = new Set(
	(
		"agon apolog author bapt capital categor character civil colon critic emphas energ" +
		" familiar fertil final global harmon hospital hypothes ideal immun item jeopard legal" +
		" legitim liberal local marginal material maxim memor minim mobil modern monopol natural" +
		" neutral normal optim organ disorgan reorgan patron penal popular priorit public" +
		" real recogn unrecogn sanit scandal special stabil standard summar symbol sympath synchron" +
		" theor util visual vocal western woman"
	).split(" "),
);
const ISE_FORM = /^([a-z]+)is(e|ed|es|ing|er|ers|ation|ations)$/;

// analyse, paralysed, catalysing → -yze
const YSE_FORM = /^(anal|paral|catal|dial|electrol)ys(e|ed|es|ing|er|ers)$/;

// Roots that double a final "l" in British English: counselled, travelling, labellers, ...
const DOUBLE_L_ROOTS = new Set(
	(
		"cance channe counse cudge dia due equa fue grove jewe labe leve libe marve mode" +
		" pane penci quarre reve riva unriva signa snorke tota towe trave tunne yode"
	).split(" "),
);
const DOUBLE_L_FORM = /^([a-z]+)ll(ed|ing|er|ers|or|ors)$/;

const WORDS = new Map<string, string>(
	Object.entries({
		aeroplane: "airplane",
		aeroplanes: "airplanes",
		ageing: "aging",
		aluminium: "aluminum",
		anaesthetic: "anesthetic",
		analogue: "analog",
		catalogue: "catalog",
		catalogues: "catalogs",
		cheque: "check",
		cheques: "checks",
		cosy: "cozy",
		defence: "defense",
		defences: "defenses",
		draught: "draft",
		draughts: "drafts",
		encyclopaedia: "encyclopedia",
		enrol: "enroll",
		enrolment: "enrollment",
		fulfil: "fulfill",
		fulfilment: "fulfillment",
		gaol: "jail",
		grey: "gray",
		greyish: "grayish",
		instalment: "installment",
		jewellery: "jewelry",
		judgement: "judgment",
		judgements: "judgments",
		acknowledgement: "acknowledgment",
		kerb: "curb",
		licence: "license",
		licences: "licenses",
		manoeuvre: "maneuver",
		manoeuvres: "maneuvers",
		manoeuvred: "maneuvered",
		mould: "mold",
		mouldy: "moldy",
		moustache: "mustache",
		offence: "offense",
		offences: "offenses",
		plough: "plow",
		ploughed: "plowed",
		practise: "practice",
		practised: "practiced",
		practising: "practicing",
		pretence: "pretense",
		programme: "program",
		programmes: "programs",
		pyjamas: "pajamas",
		sceptic: "skeptic",
		sceptical: "skeptical",
		scepticism: "skepticism",
		skilful: "skillful",
		smoulder: "smolder",
		smouldering: "smoldering",
		storey: "story",
		storeys: "stories",
		sulphur: "sulfur",
		tyre: "tire",
		tyres: "tires",
		wilful: "willful",
	}),
);

export function americanize(word: string): string {
	const listed = WORDS.get(word);
	if (listed) return listed;
	let match = OUR_FORM.exec(word);
	if (match && OUR_ROOTS.has(match[1])) return `${match[1]}or${match[2] ?? ""}`;
	match = RE_FORM.exec(word);
	if (match && RE_ROOTS.has(match[1]))
		return `${match[1]}er${match[2] === "d" ? "ed" : (match[2] ?? "")}`;
	match = ISE_FORM.exec(word);
	if (match && ISE_ROOTS.has(match[1])) return `${match[1]}iz${match[2]}`;
	match = YSE_FORM.exec(word);
	if (match) return `${match[1]}yz${match[2]}`;
	match = DOUBLE_L_FORM.exec(word);
	if (match && DOUBLE_L_ROOTS.has(match[1])) return `${match[1]}l${match[2]}`;
	return word;
}
