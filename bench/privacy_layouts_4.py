"""A fourth batch of layouts of personal data on a career platform, written without the
detector in view: template j is filled from locale LOCALES[j % 20]."""

from __future__ import annotations

DEV_LAYOUT_TEMPLATES_4: tuple[str, ...] = (
    # 0 en_US: a Slack channel export, names standing alone over their time stamps
    "#hiring-{domain}  ·  Slack export {year2}-03-04\n\nGreenhouse  APP  8:58 AM\n"
    "New application for *{role}*: {name} (referred by {ref})\n{email} · {phone} · {link}\n"
    "\n{ref}  9:02 AM\noh nice, {given} actually applied 🎉 we overlapped at {company} for "
    "like {n2} years, strong yes from me\n\n{ref}  9:03 AM\n"
    "can someone else grab {given}'s phone screen this week? i shouldn't, conflict of "
    "interest\n\n{ref}  9:11 AM\nupdate: {given} {family} is booked thu 2pm w/ the panel, "
    "invite goes to the gmail not the work address\n\n{ref}  9:12 AM\n"
    "@{given} welcome in advance lol\n\n{ref}  9:12 AM\n"
    "oops, {family} isn't in this workspace yet, ignore the @ 🙈\n",
    # 1 en_GB: a Gmail reply with the two earlier messages quoted under "wrote:"
    "Hi {ref_given},\n\nThursday at 11 is perfect, thank you! I'll bring my passport for the "
    "right-to-work check. If anything changes my mobile is {phone}.\n\nBest,\n{given}\n\n"
    "--\n{name}\n{role} · {link}\n\nOn Tue, 4 Mar {year2} at 10:12, {ref} <{ref_email}> "
    "wrote:\n> Dear {given},\n>\n> Thank you for applying for the {role} position at "
    "{company}. We'd love to invite you to a first interview with the team. Would Thursday at "
    "11:00 or Friday at 14:30 suit?\n>\n> Kind regards,\n> {ref}\n"
    "> Talent Partner, {company}\n>\n>> On Mon, 3 Mar {year2} at 21:47, {name} <{email}> "
    "wrote:\n>> Hello,\n>> Please find attached my CV and cover letter for the {role} role "
    "(ref {ticket}).\n>> Many thanks,\n>> {given} {family}\n",
    # 2 en_IN: a Teams meeting transcript of a background-verification call
    "BGV call – {name} – Transcript\n{year2}-03-04 · 6m 22s\n\n{ref}   0:04\n"
    "Hi {given}, am I audible? This is just the verification call before your joining date.\n"
    "\n{name}   0:11\nYes ma'am, audible.\n\n{ref}   0:15\n"
    "Okay. Please confirm your full name as per your {id_label} and your date of birth.\n"
    "\n{name}   0:22\n{NAME}. Date of birth is {dob}.\n\n{ref}   0:31\n"
    "And the {id_label} number?\n\n{name}   0:35\n{national_id}. Should I repeat?\n\n"
    "{ref}   0:41\nNo, it's fine. Current address for the offer courier?\n\n"
    "{name}   0:46\n{street}, {city}, pin {postcode}. Alternate number is {phone}.\n\n"
    "{ref}   1:02\nNoted. Thanks {given}, final letter will be mailed to {email} by Friday.\n",
    # 3 en_AU: an interview scorecard written as prose
    "Scorecard — {role} — Technical interview (60 min)\n"
    "Candidate: {name}   ·   Interviewer: {ref}   ·   Overall: Yes\n\nKey takeaways\n"
    "{given} was calm and methodical from the first minute. We went through the {tool1} "
    "migration on their GitHub ({link}) and {given} could explain every trade-off without "
    "notes, including why they dropped {tool2} halfway through. When I pushed on failure modes "
    "{given} admitted the retry logic was naive and sketched a better version in {tool4}, "
    "which I valued more than a perfect answer.\n\nConcerns\n"
    "Little exposure to {domain}. {family} mentioned a {n4}-week notice period and a trip in "
    "June.\n\nFollow-up\nTold {given} we'd be in touch within the week. Best contact is mobile "
    "{phone} (prefers texts) or {email}. Suggest the system design round with someone from the "
    "{tool5} team.\n",
    # 4 en_IE: a reference letter, the referee's details in its head
    "{ref}\nEngineering Manager, {company}\n{ref_email} · {ref_phone}\n\n4 March {year2}\n\n"
    "To whom it may concern,\n\nI am writing to recommend {name}, who worked in my team at "
    "{company} from {year1} until earlier this year.\n\n"
    "Over that time I came to rely on {given} completely. When our {tool1} platform failed "
    "during the busiest week of the year, it was {given} who stayed late, found the cause and, "
    "the following morning, wrote it up so clearly that the whole department learned from it. "
    "Junior engineers sought out {family}'s code reviews because they were kind as well as "
    "thorough.\n\nI have no hesitation in recommending {given} {family} for a {role} position. "
    "I would be glad to discuss the application further by phone, or {given} can put you in "
    "touch directly at {email}.\n\nYours faithfully,\n\n{ref}\n",
    # 5 en_CA: a calendar invite as .ics text
    "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\n"
    "VERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nDTSTART:{year2}0306T150000Z\n"
    "DTEND:{year2}0306T160000Z\nORGANIZER;CN={ref}:mailto:{ref_email}\n"
    "UID:{ticket}@google.com\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN={name};X-NUM-GUES"
    "TS=0:mailto:{email}\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={ref};X-NUM-GUESTS=0:"
    "mailto:{ref_email}\nSUMMARY:{role} interview – {name} / {company}\n"
    "DESCRIPTION:Hi {given}\\, looking forward to chatting! If the Meet link acts up I'll call "
    "you at {phone}.\\nPortfolio we'll walk through: {link}\\nPlease have your {cert} "
    "certificate handy.\nLOCATION:Google Meet\nSTATUS:CONFIRMED\nSEQUENCE:0\n"
    "END:VEVENT\nEND:VCALENDAR\n",
    # 6 es_ES: a Telegram Desktop copy, each message under "Name, [date time]"
    "{ref}, [04.03.{year2} 10:14]\nHola {given}! Soy {ref}, de RR. HH. de {company}. Para "
    "preparar el contrato necesito unos datos, ¿me los pasas por aquí?\n\n"
    "{name}, [04.03.{year2} 10:31]\nclaro! mi {id_label} es {national_id} y nací el {dob}\n"
    "\n{name}, [04.03.{year2} 10:32]\ndirección {street}, {postcode} {city}\n\n"
    "{ref}, [04.03.{year2} 10:40]\nPerfecto, gracias {given} 🙌 ¿y el número de la Seguridad "
    "Social?\n\n{name}, [04.03.{year2} 10:41]\nuf lo tengo en casa, te lo mando esta noche a "
    "{ref_email} vale?\n\n{ref}, [04.03.{year2} 10:42]\n"
    "Vale, sin prisa. ¡Bienvenida al equipo de {role}!\n\n{name}, [04.03.{year2} 10:42]\n"
    "jaja bienvenido* pero gracias 😅\n",
    # 7 es_MX: a LinkedIn InMail conversation in Spanish
    "LinkedIn · Mensajes\n\n{ref} · 1er\n{role} en {company}\nhace 2 días\n\n"
    "Hola {given}, ¿cómo estás? Vi tu perfil ({link}) y me llamó mucho la atención tu "
    "experiencia con {tool1} y {tool2}. Estamos buscando {role} para el equipo de {domain} en "
    "{city}, esquema híbrido. ¿Te interesaría platicar 15 minutos esta semana?\n"
    "Saludos,\n{ref_given}\n\n{name} · Tú\nhoy\n\n"
    "¡Hola {ref_given}! Gracias por escribir. Sí me interesa, aunque ahorita ando en cierre de "
    "proyecto. ¿Podría ser el jueves después de las 5? Mi cel es {phone} (también WhatsApp) y "
    "mi correo personal {email}. Te comparto mi portafolio: {link2}\nSaludos,\n{given}\n",
    # 8 fr_FR: meeting minutes (compte rendu) with the attendee list
    "Compte rendu – Comité de recrutement {role}\n"
    "Date : mardi 4 mars {year2}, 14h00–15h00 – salle Eiffel / Teams\n"
    "Présents : {ref} (RH), {name} (manager {domain}), deux membres de l'équipe\n"
    "Excusé : le directeur technique\nRédaction : {ref}\n\n"
    "1. Point sur les candidatures\n{count} candidatures reçues via Welcome to the Jungle. "
    "{given} souligne que le profil {tool1} reste rare et propose d'élargir au télétravail "
    "complet.\n\n2. Entretiens finaux\nDeux candidats retenus pour le cas pratique. Retour "
    "attendu sous dix jours.\n\n3. Absences\n{given} {family} sera en congé du 10 au 21 mars ; "
    "en son absence, les validations passent par {ref} ({ref_email}). En cas d'urgence, "
    "{given} reste joignable au {phone}.\n\nActions\n"
    "– {FAMILY} : relancer le cabinet sur les deux profils seniors\n"
    "– RH : publier l'annonce sur LinkedIn avant vendredi\n",
    # 9 de_DE: a Personalfragebogen filled in for payroll
    "PERSONALFRAGEBOGEN – Neueinstellung {year2}\n"
    "(bitte vollständig ausfüllen und vor Arbeitsbeginn an die Personalabteilung "
    "zurücksenden)\n\nFamilienname: {family}          Vorname: {given}\n"
    "Geburtsname: –\n{dob_label}{dob}          Geburtsort: {city}\n"
    "Anschrift: {street}, {postcode} {city}\nTelefon (privat): {phone}\n"
    "E-Mail (privat): {email}\n{id_label}: {national_id}\n"
    "Steuerklasse: I     Kinderfreibeträge: 0     Konfession: –\n"
    "Krankenkasse: Techniker Krankenkasse\nSchwerbehinderung: nein\n"
    "Bankverbindung: siehe Anlage\n\nEintritt am: 01.04.{year2}     Tätigkeit: {role}     "
    "Wochenarbeitszeit: 40 Std.\nVorgesetzte/r: {ref}\n\n"
    "Ich versichere, dass die vorstehenden Angaben der Wahrheit entsprechen. Änderungen teile "
    "ich der Personalabteilung unverzüglich mit.\n\n"
    "{city}, den ____________     Unterschrift: {name}\n",
    # 10 it_IT: a resignation email to HR, "Gentile dott." and a formal sign-off
    "Oggetto: Dimissioni volontarie – {FAMILY} {given}, matricola {n6}{n1}\n\n"
    "Gentile dott. {ref},\n\ncon la presente comunico le mie dimissioni volontarie dal ruolo "
    "di {role}, rassegnate oggi tramite la procedura telematica del Ministero del Lavoro, nel "
    "rispetto del periodo di preavviso previsto dal CCNL.\n\n"
    "Vi chiedo cortesemente di inviare la documentazione di fine rapporto (CU, ultima busta "
    "paga e prospetto TFR) al mio indirizzo personale {email} oppure per posta a: {street}, "
    "{postcode} {city}.\n\nRingrazio Lei e tutto il team per questi anni: è stato un piacere "
    "lavorare con voi, e resto a disposizione per il passaggio di consegne.\n\n"
    "Cordiali saluti,\n{name}\nCell. {phone}\n",
    # 11 pt_BR: an ATS API response in JSON, pasted into a ticket
    'GET /api/v1/applications/{ticket} → 200 OK\n\n{{\n  "id": {n6}{n1}{n2},\n'
    '  "job": {{ "name": "{role}", "department": "{domain}" }},\n'
    '  "candidate": {{\n    "name": "{given}",\n    "lastName": "{family}",\n'
    '    "email": "{email}",\n    "mobileNumber": "{phone}",\n'
    '    "cpf": "{national_id}",\n    "birthdate": "{dob}",\n'
    '    "address": {{ "street": "{street}", "zipCode": "{postcode}", "city": '
    '"{city}", "country": "{country}" }},\n    "linkedinProfileUrl": "{link}"\n'
    '  }},\n  "currentStep": "Entrevista com gestor",\n'
    '  "tags": ["{tool1}", "indicação"],\n  "createdAt": '
    '"{year2}-03-04T10:12:00-03:00"\n}}\n\nobs: o birthdate vem como texto livre, por isso '
    "quebra o parser do relatório.\n",
    # 12 nl_NL: an open application email in Dutch, signed with the name
    "Onderwerp: Open sollicitatie – {role}\n\nBeste {ref_given},\n\n"
    "Via een oud-collega hoorde ik dat jullie team bij {company} binnenkort uitbreidt. Graag "
    "stel ik me even voor: ik ben {name}, {role} met {years} jaar ervaring, de laatste jaren "
    "vooral met {tool1} en {tool2} in de {domain}-sector. Bij mijn huidige werkgever "
    "{achievement}.\n\nIn de bijlage vind je mijn cv; mijn portfolio staat op {link} en mijn "
    "code op {link2}. Ik kom graag een keer langs voor een kop koffie in {city}, of bel me "
    "gerust op {phone}.\n\nAlvast bedankt voor je tijd!\n\nMet vriendelijke groet,\n\n"
    "{given} {family}\n{email}\n",
    # 13 pl_PL: interview notes in Polish prose
    "Notatka z rozmowy rekrutacyjnej – {role}\nKandydat/ka: {name}\n"
    "Prowadzący: {ref} · 4.03.{year2} · Google Meet (55 min)\n\n"
    "Rozmowa przebiegła w dobrej atmosferze. {given} bardzo konkretnie opowiedział(a) o "
    "migracji z {tool1} do {tool2} w {company}, łącznie z problemami, których nie udało się "
    "rozwiązać. Słabiej wypadła część o {tool3} – widać, że zna temat głównie z teorii. Język: "
    "{language} swobodnie.\n\nOczekiwania finansowe: {n4} {n1}00 zł netto na B2B. Okres "
    "wypowiedzenia: 1 miesiąc. Preferuje pracę zdalną, raz w tygodniu może przyjeżdżać do "
    "biura w {city}.\n\nNa koniec {given} zapytał(a) o ścieżkę rozwoju – dobre pytanie, warto "
    "wrócić do tematu na etapie technicznym.\n\nRekomendacja: zaprosić do kolejnego etapu.\n"
    "Kontakt: {phone}, {email}\nGitHub: {link}\n",
    # 14 sv_SE: an employment contract (anställningsavtal) in Swedish
    "ANSTÄLLNINGSAVTAL – TILLSVIDAREANSTÄLLNING\n\nArbetsgivare: {company}\n"
    "Arbetstagare: {name}\n{id_label}: {national_id}\n"
    "Adress: {street}, {postcode} {city}\nTelefon: {phone}\nE-post: {email}\n\n"
    "Befattning: {role}\nTillträdesdag: 1 april {year2}. Anställningen inleds med sex månaders "
    "provanställning enligt 6 § LAS.\nArbetstid: heltid, 40 timmar per vecka.\n"
    "Lön: {n4}{n1} 000 kr per månad, utbetalning den 25:e.\n"
    "Semester: 30 dagar per år.\nTjänstepension enligt ITP 1.\n\n"
    "Detta avtal har upprättats i två exemplar, av vilka parterna tagit var sitt.\n\n"
    "{city}, 4 mars {year2}\n\n________________________          ________________________\n"
    "{ref}, för arbetsgivaren          {name}\n",
    # 15 ko_KR: a KakaoTalk chat export with the bracketed name and time on each line
    "{given} 님과 카카오톡 대화\n저장한 날짜 : {year2}-03-04 18:02:11\n\n"
    "--------------- {year2}년 3월 4일 화요일 ---------------\n"
    "[{ref}] [오전 10:12] 안녕하세요 {name} 님, {company} 인사팀 {ref}입니다.\n"
    "[{ref}] [오전 10:12] 최종 합격 축하드립니다 🎉\n"
    "[{name}] [오전 10:20] 앗 감사합니다!!\n[{ref}] [오전 10:21] 입사 서류 때문에 몇 가지 "
    "여쭤볼게요. 주민등록번호랑 주소 부탁드려요\n[{name}] [오전 10:25] 넵 {national_id} 이고요 "
    "주소는 {street} ({postcode}) 입니다\n[{ref}] [오전 10:26] 확인했습니다. 첫 출근은 4월 "
    "1일이고 {family} 씨 자리는 {n4}층이에요\n[{name}] [오전 10:27] 연락은 {phone} 으로 주시면 "
    "됩니다 ㅎㅎ\n[{ref}] [오전 10:27] 넵 {given} 님 그럼 그때 뵐게요 😊\n",
    # 16 vi_VN: a Zalo chat between a recruiter and a candidate
    "Zalo · {ref_given} (HR {company})\n\n{ref_given}  09:14\n"
    "Chào em {given}, chị là {ref}, HR bên {company} nè. Em sắp xếp phỏng vấn vòng 2 vị trí "
    "{role} chiều thứ Năm được không em?\n\n{name}  09:20\n"
    "dạ được ạ chị ơi 😊 mấy giờ vậy chị\n\n{ref_given}  09:21\n"
    "2h chiều em nhé. Em gửi chị số CCCD với ngày sinh để chị đăng ký thẻ khách vào tòa nhà "
    "nha\n\n{name}  09:25\ndạ CCCD {national_id}, ngày sinh {dob} ạ\n\n{name}  09:26\n"
    "à chị ơi vụ hoàn tiền vé xe vòng 1, em gửi số thẻ {card} nha chị\n\n"
    "{ref_given}  09:30\nok em, chị chuyển kế toán liền. Có gì gọi chị {ref_phone} nhé. Hẹn "
    "gặp em {given} thứ Năm!\n",
    # 17 zh_CN: a WeChat group chat where a new hire posts their details
    "群聊「{company}{year2}届新员工入职群」的聊天记录\n\nHR-{ref}  10:02\n"
    "@所有人 各位新同学好～入职前请把以下信息私聊发我：姓名、身份证号、出生日期、手机号。\n"
    "\n{name}  10:05\n@HR-{ref} 收到！\n\n{name}  10:06\n"
    "姓名：{name}\n身份证号：{national_id}\n出生日期：{dob}\n手机：{phone}\n\n"
    "HR-{ref}  10:08\n@{name} 同学，敏感信息别发群里呀😂 私聊我或者发邮箱 {ref_email}\n"
    "\n{name}  10:09\n啊抱歉抱歉，超过两分钟撤回不了了……\n\n"
    "HR-{ref}  10:10\n没事，{family}同学明天记得带毕业证原件哈\n",
    # 18 ja_JP: a candidate's business email to HR, 様 and a signature block
    "件名：【面接日程のご連絡】{role}ポジション／{name}\n\n{company}\n人事部　{ref}様\n"
    "\nお世話になっております。\n{name}です。\n\n"
    "先日はご連絡いただき、誠にありがとうございました。\n"
    "ご提示いただいた日程のうち、3月6日（木）14:00からの面接を希望いたします。\n"
    "当日は履歴書と職務経歴書を持参いたします。\n\n"
    "なお、日中は電話に出られないことがございますので、ご連絡はメールにていただけますと幸いです"
    "。\n\n何卒よろしくお願い申し上げます。\n\n――――――――――――――――\n"
    "{family} {given}（{GIVEN} {FAMILY}）\n〒{postcode} {street}\nTEL：{phone}\n"
    "Mail：{email}\nPortfolio：{link}\n――――――――――――――――\n",
    # 19 tr_TR: an interview evaluation note, names with Turkish case suffixes
    "MÜLAKAT DEĞERLENDİRME NOTU\nPozisyon: {role}\nAday: {name}\n"
    "Görüşmeyi yapan: {ref}\nTarih: 04.03.{year2}, online (Teams)\n\n"
    "{given}'in {tool1} ve {tool2} deneyimi ilan için yeterli. Özellikle önceki şirketindeki "
    "ödeme sistemi projesini çok net anlattı; ekip büyüklüğü, kendi rolü ve yaptığı hatalar "
    "konusunda samimiydi. {tool3} tarafında biraz zorlandı ama öğrenmeye açık.\n\n"
    "Maaş beklentisi: net {n4}{n1}.000 TL. İhbar süresi: 4 hafta.\n\n"
    "Genel izlenim olumlu, ikinci görüşmeye çağrılmalı. Sonucu bu hafta içinde {family}'a "
    "{phone} numarasından veya {email} adresinden iletelim.\n\nLinkedIn: {link}\n",
    # 20 en_US: an ATS CSV export with a duplicate row written family-first
    'candidates_export_{year2}-03-04.csv (Lever → Google Sheets), 3 rows\n\n"Candidate '
    'Name","Email","Phone","Location","Stage","Source","Owner","Profile","Appli'
    'ed"\n"{name}","{email}","{phone}","{city}, '
    '{country}","Onsite","Referral","{ref}","{link}","{year2}-02-27"\n'
    '"{family}, {given} (dup)","{email}","","","Archived - '
    'duplicate","LinkedIn","{ref}","{link2}","{year2}-02-11"\n'
    '"[anonymized]","","","","Hired","Agency","{ref}","","{year1}-09-30"\n'
    "\n^ row 2 is the same person, merged under {ticket2}. can someone fix the dedupe rule so "
    '"{family}, {given}" matches "{name}"?\n',
    # 21 en_GB: the recommendations section of a LinkedIn profile
    "{name} · {role} at {company}\n{link}\n\nRecommendations\nReceived    Given\n\n{ref}\n"
    "Head of {domain}, {company}\n4 March {year2}, {ref_given} managed {given} directly\n\n"
    "“I hired {given} as a graduate and watched them become the person the whole team went to "
    "with the hard problems. What sets {given} apart isn't the {tool1} or {tool2} skills, "
    "though those are excellent; it's the patience to explain things twice without making "
    "anyone feel slow. When {given} {family} leads a retro, people actually say what went "
    "wrong. Any team would be lucky to have them.”\n\nShow all {count} recommendations →\n",
    # 22 en_IN: key=value log lines from a background-verification client
    "{year2}-03-04 10:12:03,117 INFO  bgv.client  POST /v2/cases status=201 case_id={ticket}\n"
    "{year2}-03-04 10:12:03,118 DEBUG bgv.client  payload first_name={GIVEN} "
    'last_name={FAMILY} dob={dob} id_type="{id_label}" id_no={national_id} mobile={phone} '
    'email={email} addr_line1="{street}" city={city} pincode={postcode} '
    'prev_employer="{company}" hr_spoc={ref_email}\n'
    "{year2}-03-04 10:12:04,502 WARN  bgv.client  name mismatch case_id={ticket}: "
    'id_name="{NAME}" application_name="{name}" score=0.{n4}{n2}\n'
    '{year2}-03-04 10:12:04,503 INFO  bgv.client  case_id={ticket} assigned verifier="{ref}" '
    "sla_days={n3}\n",
    # 23 en_AU: a YAML file of new starters read by an onboarding bot
    "# new-starters/{year2}-04.yaml — picked up by the onboarding bot every Monday\n"
    "- starter:\n    full_name: {name}\n    preferred_name: {given}\n"
    '    personal_email: {email}\n    mobile: "{phone}"\n    start_date: {year2}-04-07\n'
    "    role: {role}\n    team: {domain}\n    manager: {ref}\n  hardware:\n"
    "    laptop: MacBook Pro 14\n    ship_to: |\n      {name}\n      {street}\n"
    "      {city} {postcode}\n      {country}\n  access:\n    - {tool1}\n    - {tool2}\n"
    "    - {tool6}\n    - github  # handle from {link}\n"
    '  notes: "{given} asked for a standing desk, ping {ref_given} before ordering"\n',
    # 24 en_IE: a Calendly booking notification email
    "Subject: New Event: {name} - 10:00am Thu, 6 Mar {year2} - 30 Minute Screening Call\n\n"
    "Hi {ref_given},\n\nA new event has been scheduled.\n\nEvent Type:\n"
    "30 Minute Screening Call\n\nInvitee:\n{name}\n\nInvitee Email:\n{email}\n\n"
    "Event Date/Time:\n10:00am - Thursday, 6 March {year2} (Greenwich Mean Time)\n\n"
    "Location:\nThis is a phone call. {ref} will call the invitee at {phone}.\n\n"
    "Questions:\nWhich role are you applying for?\n{role}\n\n"
    "LinkedIn or portfolio URL\n{link}\n\nAnything we should know before the call?\n"
    "I'm working out my notice at {company}, so mornings suit best. Thanks! {given}\n\n"
    "View event in Calendly\n",
    # 25 en_CA: a finance helpdesk ticket with comments, a card pasted in
    "[{ticket}] Expense rejected – corporate card – {name}\n"
    "Requester: {name} <{email}>   Status: Pending   Group: Finance Ops   Linked: {ticket2}\n"
    "\n{name} · Mar 4, {year2}, 9:12 AM\nHi, my expense report for the {cert} exam was "
    'rejected because "card not on file". I used the company Visa, number {card}, exp 09/28. '
    "Can someone re-link it? Call me at {phone} if that's easier.\n\n"
    "{ref} · Mar 4, {year2}, 10:40 AM · Internal note\n"
    "Heads up team, {given} pasted the full card number above, please don't copy it anywhere. "
    "I've asked the bank to reissue.\n\n{ref} · Mar 4, {year2}, 10:42 AM\n"
    "Hi {given}, thanks for flagging! For security we'll replace that card; the new one ships "
    "to your address on file ({street}, {city} {postcode}). Reply here once it arrives and "
    "we'll reprocess the claim.\n",
    # 26 es_ES: a Typeform new-response notification email
    "Asunto: Nueva respuesta en «Candidatura espontánea – {company}»\n\n"
    "¡Tienes una nueva respuesta! 🎉\n\n1. ¿Cómo te llamas?\n{name}\n\n"
    "2. ¿Cuál es tu correo electrónico?\n{email}\n\n3. ¿Y un teléfono de contacto?\n{phone}\n"
    "\n4. ¿Dónde vives?\n{city} ({postcode})\n\n5. ¿Qué puesto te interesa?\n{role}\n\n"
    "6. Cuéntanos algo de lo que estés orgulloso/a\n"
    "{achievement2}. Lo hice casi sola, con {tool1} y mucha paciencia jaja\n\n"
    "7. ¿Tienes alguna certificación?\n{cert} y {cert2}\n\n"
    "8. Enlace a tu LinkedIn o portfolio\n{link}\n\n"
    "9. ¿Quién te ha recomendado? (opcional)\n{ref}\n\nVer todas las respuestas en Typeform →\n",
    # 27 es_MX: a printed job application (solicitud de empleo) with a personal reference
    "SOLICITUD DE EMPLEO                                   Fecha: 04/03/{year2}\n"
    "Puesto solicitado: {role}          Sueldo mensual deseado: ${n4}{n1},000\n\n"
    "DATOS PERSONALES\nApellidos: {family}          Nombre(s): {given}\n"
    "Domicilio: {street}          C.P.: {postcode}\n"
    "Ciudad: {city}          Teléfono: {phone}\n{dob_label}{dob}          Lugar de nacimiento: "
    "{city}\nCURP: {national_id}\nCorreo electrónico: {email}\n"
    "Estado civil: ____     ¿Tiene licencia de manejo? Sí ☒ No ☐\n\nESCOLARIDAD\n"
    "Licenciatura, {year1} – Título ☒ Certificado ☐\n\n"
    "REFERENCIAS PERSONALES (no familiares)\nNombre: {ref}     Teléfono: {ref_phone}     "
    "Tiempo de conocerlo: {years} años\n\nHago constar que mis respuestas son verdaderas.\n"
    "Firma del solicitante: {name}\n",
    # 28 fr_FR: an expense report (note de frais) with a company card number
    "NOTE DE FRAIS – mars {year2}\nCollaborateur : {FAMILY} {given}          Matricule : "
    "{n6}{n2}\nService : {domain} — Poste : {role}\nValideur : {ref}\n\n"
    "Date    | Nature                                   | Montant TTC | Paiement\n"
    "04/03   | Train aller-retour {city} (salon emploi) | {n5}{n1},40 € | CB perso\n"
    "05/03   | Déjeuner candidats ({n4} pers.)          | {n6}{n2},00 € | Carte affaires "
    "{card}\n05/03   | Taxi gare → hôtel                        | {n3}{n2},50 € | Carte "
    "affaires {card}\n\nCommentaire : le train est passé sur ma carte perso car la carte "
    "affaires était bloquée ce jour-là (ticket {ticket}). Merci de rembourser sur mon compte "
    "habituel.\nQuestions : {phone} / {email}\n\nValidé le __/__ par : {ref}\n",
    # 29 de_DE: a Teams chat in German, the display name written "Family, Given"
    "Chat · {family}, {given} (Extern)\n\n[04.03.{year2} 09:58] {ref}\n"
    "Guten Morgen Herr {family}, kurze Frage zu Ihrem Gespräch mit dem Fachbereich heute – "
    "passt 14 Uhr noch?\n\n[04.03.{year2} 10:03] {family}, {given} (Extern)\n"
    "Moin! Ja, passt. Teams-Link oder rufen Sie mich an? Bin unter {phone} erreichbar\n"
    "\n[04.03.{year2} 10:04] {ref}\nTeams-Link reicht. Ich habe Sie übrigens schon im "
    "Bewerbermanagement angelegt: {given} {family}, {street}, {postcode} {city} – stimmt das "
    "noch?\n\n[04.03.{year2} 10:09] {family}, {given} (Extern)\n"
    "fast 😅 bin letzten Monat umgezogen, die neue Adresse schicke ich per Mail an "
    "{ref_email}\n\n[04.03.{year2} 10:10] {ref}\nSuper, danke! Bis später 👋\n",
    # 30 it_IT: the minutes (verbale) of a public selection interview
    "VERBALE N. {n1} – SELEZIONE PUBBLICA PER TITOLI E COLLOQUIO\n"
    "Profilo: {role} – Avviso prot. n. {ticket}\n\n"
    "Il giorno 4 marzo {year2}, alle ore 9:30, presso la sede di {company}, si è riunita la "
    "Commissione esaminatrice presieduta da {ref}.\n"
    "Alle ore 10:15 viene chiamato/a a sostenere il colloquio il/la candidato/a {FAMILY} "
    "{given}, nato/a il {dob}, identificato/a mediante carta d'identità, {id_label}: "
    "{national_id}.\nIl/La candidato/a risponde con sicurezza alle domande su {tool1} e "
    "{tool2} e dimostra buona conoscenza della lingua inglese.\n"
    "La Commissione attribuisce al colloquio il punteggio di {n4}{n2}/30.\n"
    "Al termine, {given} {family} chiede che le comunicazioni siano inviate all'indirizzo "
    "{email}.\n\nLetto, approvato e sottoscritto.\nIl Presidente: {ref}\n",
    # 31 pt_BR: a GitHub issue that reproduces a bug with a real candidate's data
    "Formulário de candidatura rejeita CPF válido #{n6}{n2}\nOpen · aberta por dev-{n1}\n\n"
    '### Descrição\nAo se candidatar pelo portal, o campo CPF retorna "CPF inválido" mesmo '
    "com um CPF válido.\n\n### Como reproduzir\n1. Acessar /vagas/{n6}/candidatar\n"
    "2. Preencher com os dados da candidata que reportou o problema por e-mail:\n"
    "   - Nome: {name}\n   - CPF: {national_id}\n   - Data de nascimento: {dob}\n"
    '   - E-mail: {email}\n3. Clicar em "Enviar"\n\n### Esperado\nCandidatura concluída.\n'
    "\n---\n**tech-lead** comentou há 2 horas\nPessoal, tirem os dados reais da {given} da "
    "issue, por favor (LGPD!). Usem os dados gerados do seed. Já avisei a {ref} do RH.\n",
    # 32 nl_NL: a Confluence onboarding page with a two-column Markdown table
    "## Onboarding – nieuwe collega ({year2})\n\n| Veld | Waarde |\n|---|---|\n"
    "| Naam | {name} |\n| Roepnaam | {given} |\n| Functie | {role} |\n"
    "| Startdatum | 1 april {year2} |\n| Privé e-mail | {email} |\n| Mobiel | {phone} |\n"
    "| Adres (laptop) | {street}, {postcode} {city} |\n| {id_label} | {national_id} |\n"
    "| Leidinggevende | {ref} |\n| Buddy | nog invullen |\n\n### Checklist\n"
    "- [x] Contract getekend (door {given} teruggestuurd op 28-02)\n"
    "- [ ] Accounts in {tool1} en {tool2} aanmaken\n"
    "- [ ] {ref_given} plant de welkomstlunch\n- [ ] {id_label} van deze pagina halen zodra de "
    "salarisadministratie het heeft!!\n",
    # 33 pl_PL: a forwarded email in Polish with the original application under it
    "Cześć zespole,\n\nprzesyłam CV, które przyszło wczoraj mailem poza ATS-em. Pani {family} "
    "wygląda ciekawie na stanowisko {role} – zerkniecie do piątku? Sorki za formę, nie mam "
    "dostępu do Pracuj.pl z domu.\n\nPozdrawiam\n{ref}\n\n"
    "---------- Wiadomość przekazana dalej ---------\nOd: {name} <{email}>\n"
    "Data: wt., 4 mar {year2} o 21:47\nTemat: Aplikacja – {role}\nDo: {ref} <{ref_email}>\n"
    "\nDzień dobry,\n\nw odpowiedzi na ogłoszenie przesyłam w załączniku CV oraz list "
    "motywacyjny. Obecnie pracuję jako {role} w {company}, gdzie {achievement}. Chętnie "
    "opowiem więcej podczas rozmowy – jestem dostępna pod numerem {phone}.\n\n"
    "Z poważaniem\n{name}\n{link}\n",
    # 34 sv_SE: an out-of-office auto-reply in Swedish and English
    "Automatiskt svar: Frånvaro / Out of office\n\nHej!\n\n"
    "Tack för ditt mejl. Jag är föräldraledig till och med 31 augusti {year2} och läser inte "
    "min e-post under tiden.\n\nGäller det rekryteringen till {role}-tjänsten, kontakta min "
    "kollega {ref} på {ref_email} eller {ref_phone}.\n\nHälsningar / Best regards\n"
    "{name}\n{role}, {company}\nMobil: {phone} (endast sms)\n{link}\n\n"
    "Thank you for your email. I am on parental leave until 31 August {year2}. For recruitment "
    "matters please contact {ref_given} ({ref_email}).\n",
    # 35 ko_KR: a Korean Slack welcome post with 님 and an @mention
    "#general  ·  {ref}  오전 9:30\n🎉 신규 입사자 안내 🎉\n"
    "오늘부터 {domain}팀에 {name}님이 {role}(으)로 합류하셨습니다! 👏\n"
    "{given}님은 {company}에서 {years}년간 {tool1}, {tool2} 관련 업무를 하셨어요.\n"
    "자리는 {n4}층 창가 쪽이니 다들 반갑게 맞아주세요~\n@{given} 님 한마디 부탁드려요!\n"
    "\n{name}  오전 9:41\n안녕하세요! 오늘 입사한 {name}입니다 🙇 아직 프로필 사진도 못 "
    "올렸네요 ㅎㅎ 편하게 {given}님이라고 불러주세요. 그동안 작업한 건 블로그 {link} 에 "
    "올려두었어요. 잘 부탁드립니다!\n\n{ref}  오전 9:43\n"
    "@{given} 님 4대보험 신고용으로 DM 드렸어요. {dob_label}{dob} 맞는지만 확인 부탁드려요 🙏\n",
    # 36 vi_VN: an application email in Vietnamese, Kính gửi and Trân trọng
    "Tiêu đề: [Ứng tuyển] {role} – {name}\n\nKính gửi anh/chị {ref},\n\n"
    "Em là {name}, hiện đang làm {role} tại {company} với {years} năm kinh nghiệm về {tool1} "
    "và {tool2}. Qua trang tuyển dụng, em được biết quý công ty đang tuyển vị trí {role} tại "
    "{city}, em rất mong có cơ hội được đóng góp.\n\n"
    "Em xin gửi kèm CV và portfolio ({link}). Anh/chị có thể liên hệ với em qua số điện thoại "
    "{phone} hoặc email {email}.\n\nEm xin chân thành cảm ơn anh/chị đã dành thời gian xem xét "
    "hồ sơ của em.\n\nTrân trọng,\n{name}\n{street}, {city}\n",
    # 37 zh_CN: a DingTalk onboarding approval with the salary card
    "【钉钉审批】{name}提交的入职登记\n审批编号：{ticket}\n"
    "当前状态：审批中（等待 {ref} 处理）\n\n姓名：{name}\n"
    "出生日期：{dob}\n身份证号：{national_id}\n手机号：{phone}\n"
    "个人邮箱：{email}\n现居住地址：{city}{street}\n"
    "邮编：{postcode}\n工资卡开户行：招商银行{city}分行\n工资卡号：{card}\n"
    "入职岗位：{role}\n入职日期：{year2}-04-01\n\n审批流程\n"
    "{name}  发起申请  03-04 10:12\n{ref}  审批中\n抄送：人事部、财务部\n\n"
    "评论\n{ref}：{family}同学，银行卡号少填了一位吧？麻烦核对一下再提交～\n",
    # 38 ja_JP: a LINE chat history export, tab-separated with さん
    "[LINE] {ref}とのトーク履歴\n保存日時：{year2}/03/04 18:02\n\n"
    "{year2}/03/04(火)\n10:12\t{ref}\t{family}さん、お疲れさまです！昨日の面接どうでした？\n"
    "10:20\t{name}\tお疲れさまです〜 緊張したけど、たぶん大丈夫です笑\n"
    "10:21\t{ref}\tよかった！先方の部長が{given}さんのポートフォリオ（{link}）すごく褒めてたそ"
    "うです🎉\n10:25\t{name}\tほんとですか！うれしい\n"
    "10:26\t{ref}\t二次面接の案内は{email}に届くと思うので確認してね\n"
    "10:30\t{name}\t了解です！電話いただくなら{phone}の方でお願いします🙏\n10:31\t{ref}\tOK👌\n",
    # 39 tr_TR: a job offer letter in Turkish, Sayın and a manager's note
    "{company}\nİnsan Kaynakları Direktörlüğü\nTarih: 04.03.{year2}\n\nSayın {name},\n\n"
    "{role} pozisyonu için yürüttüğümüz mülakat süreci sonucunda size iş teklifinde "
    "bulunmaktan memnuniyet duyuyoruz.\n\nBaşlangıç tarihi: 01.04.{year2}\n"
    "Brüt aylık ücret: {n4}{n1}.000 TL\nÇalışma şekli: Hibrit ({city})\n"
    "Yan haklar: özel sağlık sigortası, yemek kartı\n\n"
    "Teklifimizi kabul etmeniz halinde imzalı bir kopyasını 11.03.{year2} tarihine kadar "
    "{ref_email} adresine iletmenizi rica ederiz. İşe giriş için T.C. Kimlik No "
    "({national_id}) ve {street}, {postcode} {city} adresiniz sistemimizde kayıtlıdır; "
    "değişiklik varsa lütfen bildiriniz.\n\nNot: Ekip olarak {given}'i aramızda görmek için "
    "sabırsızlanıyoruz! – {ref_given}\n\nSaygılarımızla,\n{ref}\n{ref_phone}\n\n"
    "Kabul ediyorum. Ad Soyad: {NAME}   İmza: ________\n",
)
