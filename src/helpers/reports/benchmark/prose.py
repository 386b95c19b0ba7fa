"""The benchmark report's prose: each section's heading and explanation per area, reworded for the whole country."""

from __future__ import annotations

from IPython.display import Markdown

from helpers import labels

COUNTRY = labels.COUNTRY_CODE

PROSE = {  # the notebook's area-specific prose (markdown), shown by prose(key, area, region)
    "about": {
        "children": "## Om rapporten\n\nRapporten sammenligner udgifterne til udsatte børn og unge som **pris x mængde**: udgift pr. 0-22-årig (nettodriftsudgifter fra de kommunale regnskaber), hvor mange der modtager en indsats (brugere pr. 10.000 0-17-årige) og hvad en bruger i gennemsnit koster (enhedsudgift = udgift pr. bruger). Regionens og landets tal er summer over kommunerne (udgift i alt delt med indbyggere i alt), ikke gennemsnit af kommunernes nøgletal. Udviklingen er opgjort i faste priser.\n\nHver kommune sammenlignes også med sine **sammenlignelige kommuner**: de fem kommuner, der ligner den mest på befolkningens størrelse og alderssammensætning og det forventede udgiftsbehov. En kommune, der ikke kan indgå i en figur (fx fordi brugertallet mangler, eller fordi der er et brud i serien), står under figuren med begrundelsen. Alle figurers tal kan hentes som CSV under figuren, og figurerne har en rullemenu til at vælge indsatsgruppe.",
        "adults": "## Om rapporten\n\nRapporten sammenligner udgifterne til voksne med handicap og sociale problemer (serviceloven §§ 85, 95-96, 103-104, 107-108 og 110) som **pris x mængde**: udgift pr. 18-64-årig (nettodriftsudgifter fra de kommunale regnskaber), hvor mange der modtager en indsats (brugere pr. 10.000 18-64-årige) og hvad en bruger i gennemsnit koster (enhedsudgift = udgift pr. bruger). Regionens og landets tal er summer over kommunerne (udgift i alt delt med indbyggere i alt), ikke gennemsnit af kommunernes nøgletal. Udviklingen er opgjort i faste priser.\n\nHver kommune sammenlignes også med sine **sammenlignelige kommuner**: de fem kommuner, der ligner den mest på befolkningens størrelse og alderssammensætning og det forventede udgiftsbehov. En kommune, der ikke kan indgå i en figur (fx fordi brugertallet mangler, eller fordi der er et brud i serien), står under figuren med begrundelsen. Alle figurers tal kan hentes som CSV under figuren, og figurerne har en rullemenu til at vælge indsatsgruppe.",
    },
    "conclusions": {
        area: "## Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: regionen mod hele landet, udviklingen i perioden fordelt på brugerandel og enhedsudgift, spredningen mellem kommunerne og de kommuner, der ligger uden for tragtplottets kontrolgrænser."
        for area in labels.AREAS
    },
    "quality": {
        area: "## Datakvalitet\n\nAlle fund i områdets nøgletal for regionens kommuner, alle år (de samme som i rapporten om datakvalitet): brud i serier, umulige nøgletal, manglende brugertal, ekstreme værdier i forhold til alle kommuner; desuden ekstreme værdier i rapportåret og i forhold til de sammenlignelige kommuner (over dobbelt eller under halvdelen af deres gennemsnit), og kommuner udeladt af analytikeren. Brud og umulige nøgletal holder kommunen ude af de berørte figurer."
        for area in labels.AREAS
    },
    "regions": {
        "children": "## Regionen sammenlignet med de andre regioner\n\nUdgift pr. 0-22-årig i hver region og hele landet for alle indsatsgrupper i rapportåret. Figuren viser hver regions udgift som indeks i forhold til hele landet (= 100); den valgte region er fremhævet. Hver region har sin egen faste farve i alle figurer og rapporter, og hele landet er mørkegrå og stiplet.",
        "adults": "## Regionen sammenlignet med de andre regioner\n\nUdgift pr. 18-64-årig i hver region og hele landet for alle indsatsgrupper i rapportåret. Figuren viser hver regions udgift som indeks i forhold til hele landet (= 100); den valgte region er fremhævet. Hver region har sin egen faste farve i alle figurer og rapporter, og hele landet er mørkegrå og stiplet.",
    },
    "users": {
        "children": "Brugerandele og enhedsudgifter for regionen og hele landet. Kun kommuner, der har indberettet brugere for en indsatsgruppe, indgår i gruppens brugerandel og enhedsudgift, med deres egne udgifter og indbyggere.",
        "adults": "Brugerandele og enhedsudgifter for regionen og hele landet. Kun kommuner, der har indberettet brugere for en indsatsgruppe, indgår i gruppens brugerandel og enhedsudgift, med deres egne udgifter og indbyggere. For § 85 vises også de alternative enhedsudgifter: § 85 i botilbudslignende tilbud og § 85 i eget hjem, og botilbud i alt (§§ 107-108 og § 85 i botilbudslignende tilbud). De beregnes kun for kommuner, der har opgjort brugere for begge dele af § 85.",
    },
    "development": {
        "children": "## Udvikling over perioden og den lange serie\n\nUdgift pr. 0-22-årig i faste priser ved periodens start, den lange series start og i rapportåret, og ændringen i procent. Figuren viser hele serien for regionerne og hele landet i de samme farver; hele landet er den stiplede mørkegrå linje, og perioden er markeret.",
        "adults": "## Udvikling over perioden og den lange serie\n\nUdgift pr. 18-64-årig i faste priser ved periodens start, den lange series start og i rapportåret, og ændringen i procent. Figuren viser hele serien for regionerne og hele landet i de samme farver; hele landet er den stiplede mørkegrå linje, og perioden er markeret.",
    },
    "municipal": {
        "children": "## Kommunerne: udgift pr. 0-22-årig\n\nSøjlerne er kommunernes udgift i rapportåret. Linjerne ser ens ud i alle rapporter og er navngivet under figuren: regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er gennemsnittet landsgennemsnittet), den højeste kommune en prikket grå linje og den laveste en grå linje af streger og prikker. Den korte lodrette streg på hver søjle er gennemsnittet for kommunens sammenlignelige kommuner. Derefter kommunernes udvikling i procent over perioden i faste priser.",
        "adults": "## Kommunerne: udgift pr. 18-64-årig\n\nSøjlerne er kommunernes udgift i rapportåret. Linjerne ser ens ud i alle rapporter og er navngivet under figuren: regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er gennemsnittet landsgennemsnittet), den højeste kommune en prikket grå linje og den laveste en grå linje af streger og prikker. Den korte lodrette streg på hver søjle er gennemsnittet for kommunens sammenlignelige kommuner. Derefter kommunernes udvikling i procent over perioden i faste priser.",
    },
    "user_shares": {
        "children": "## Brugerandele og enhedsudgifter\n\nBrugere pr. 10.000 0-17-årige og udgift pr. bruger i hver kommune, med samme linjer og sammenlignelige kommuner som ovenfor, og udviklingen over perioden. Tal bygget på færre end 5 brugere vises ikke, da de kan pege på enkeltpersoner, og heller ikke tal, der sammen med andre tal i rapporten eller i dens downloads ville give dem tilbage (fx en samlet indsatsgruppe minus de øvrige grupper, eller regionen minus de øvrige kommuner); de står under figurerne og er markeret med .. i tabellerne. Det er brugerandelen og enhedsudgiften, der skjules, ikke befolkningstallet, som er offentligt.",
        "adults": "## Brugerandele og enhedsudgifter\n\nBrugere pr. 10.000 18-64-årige og udgift pr. bruger i hver kommune, med samme linjer og sammenlignelige kommuner som ovenfor, og udviklingen over perioden. Tal bygget på færre end 5 brugere vises ikke, da de kan pege på enkeltpersoner, og heller ikke tal, der sammen med andre tal i rapporten eller i dens downloads ville give dem tilbage (fx en samlet indsatsgruppe minus de øvrige grupper, eller regionen minus de øvrige kommuner); de står under figurerne og er markeret med .. i tabellerne. Det er brugerandelen og enhedsudgiften, der skjules, ikke befolkningstallet, som er offentligt.",
    },
    "drivers": {
        "children": "## Hvad driver udviklingen?\n\nHver kommunes ændring i udgift pr. 0-22-årig over perioden delt op i bidraget fra brugerandelen (flere eller færre brugere) og fra enhedsudgiften (dyrere eller billigere indsatser). Delene er beregnet logaritmisk, så de lægger sig præcist sammen til ændringen i alt (den sorte streg). Befolkningssammensætningen er andelen af 0-17-årige blandt de 0-22-årige, og for samlede grupper også forskelle i, hvilke kommuner der har opgjort brugere.",
        "adults": "## Hvad driver udviklingen?\n\nHver kommunes ændring i udgift pr. 18-64-årig over perioden delt op i bidraget fra brugerandelen (flere eller færre brugere) og fra enhedsudgiften (dyrere eller billigere indsatser). Delene er beregnet logaritmisk, så de lægger sig præcist sammen til ændringen i alt (den sorte streg). Befolkningssammensætningen er for voksne altid nul, da udgift og brugere opgøres pr. 18-64-årig, og for samlede grupper også forskelle i, hvilke kommuner der har opgjort brugere.",
    },
    "funnel": {
        "children": "## Tragtplot: er forskellene i brugerandele mere end tilfældige?\n\nHver prik er en kommune (regionens kommuner i regionens farve, de øvrige grå): brugere pr. 10.000 0-17-årige mod antallet af 0-17-årige. Kontrolgrænserne (95 % stiplet og 99,8 % prikket, grå) omkring landsgennemsnittet (den stiplede mørkegrå linje) bliver smallere, jo flere indbyggere en kommune har, så en lille kommune ikke kaldes ekstrem på grund af tilfældig variation. Grænserne er udvidet med den spredning mellem kommunerne, som er større end tilfældig (overspredning).",
        "adults": "## Tragtplot: er forskellene i brugerandele mere end tilfældige?\n\nHver prik er en kommune (regionens kommuner i regionens farve, de øvrige grå): brugere pr. 10.000 18-64-årige mod antallet af 18-64-årige. Kontrolgrænserne (95 % stiplet og 99,8 % prikket, grå) omkring landsgennemsnittet (den stiplede mørkegrå linje) bliver smallere, jo flere indbyggere en kommune har, så en lille kommune ikke kaldes ekstrem på grund af tilfældig variation. Grænserne er udvidet med den spredning mellem kommunerne, som er større end tilfældig (overspredning).",
    },
}


# The whole country's report is no region's: these phrases of PROSE read differently there (each must occur in PROSE).
COUNTRY_WORDING = [
    (
        "Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: regionen mod hele landet,",
        "Hovedkonklusioner\n\nKonklusionerne er dannet af tallene i rapporten: hele landet og regionerne,",
    ),
    ("Regionens og landets tal er summer", "Landets og regionernes tal er summer"),
    ("## Regionen sammenlignet med de andre regioner", "## Regionerne sammenlignet"),
    ("; den valgte region er fremhævet.", "."),
    ("Brugerandele og enhedsudgifter for regionen og hele landet.", "Brugerandele og enhedsudgifter for hele landet."),
    (
        "regionens gennemsnit er en hel sort linje, landsgennemsnittet en stiplet mørkegrå linje (i rapporten for hele landet er "
        "gennemsnittet landsgennemsnittet)",
        "landsgennemsnittet er en stiplet mørkegrå linje",
    ),
    ("(regionens kommuner i regionens farve, de øvrige grå)", "(alle kommuner i landets farve)"),
    ("nøgletal for regionens kommuner", "nøgletal for alle kommuner"),
]


def prose(key: str, area: str, region: str) -> Markdown:
    """The notebook's explanation of a section for a report's area (a heading and its paragraphs)."""
    text = PROSE[key][area]
    if region == COUNTRY:
        for phrase, country in COUNTRY_WORDING:
            text = text.replace(phrase, country)
    return Markdown(text)
