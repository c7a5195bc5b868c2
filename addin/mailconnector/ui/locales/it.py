"""Testi in italiano: stesse chiavi e stessi segnaposto di `en.py` (verificato da un test)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # --- cornice -----------------------------------------------------------------------------------
    "app.name": "Mail Connector",
    "app.starting": "Apertura della mail…",
    "app.version": "Mail Connector {version}",
    "footer.signed_in": "Accesso come {user} su {host}",
    "footer.sign_out": "Esci",
    "common.back": "Indietro",
    "common.retry": "Riprova",
    "common.dismiss": "Chiudi",
    "common.cancel": "Annulla",
    "common.open_in_crm": "Apri nel CRM",
    "common.opens_new_window": "(si apre in una nuova finestra)",
    "common.details": "Dettagli dal CRM: {detail}",
    # --- before Office is ready (ui/host_screens.py) --------------------------------------------------
    "app.host.outside.title": "Apri Mail Connector da Outlook",
    "app.host.outside.body": "Questa pagina è il riquadro di Mail Connector per Outlook e funziona dentro Outlook: "
    "apri una mail e scegli Collega al CRM nella barra multifunzione (o nel menu … della mail).",
    "app.host.late.title": "Outlook non ha ancora avviato Mail Connector",
    "app.host.late.body": "Il riquadro sta ancora aspettando che Outlook gli passi la mail e prosegue da solo appena "
    "Outlook risponde. Se l'attesa continua, chiudi il riquadro e aprilo di nuovo.",
    "app.host.missing.title": "La libreria Office di Microsoft non si è caricata",
    "app.host.missing.body": "Mail Connector ha bisogno di office.js di Microsoft, che Outlook carica da "
    "appsforoffice.microsoft.com. Controlla la connessione o chiedi all'amministratore se un proxy o un filtro "
    "blocca i server di script di Microsoft, poi apri di nuovo il riquadro.",
    # --- la mail -----------------------------------------------------------------------------------
    "mail.label": "Mail aperta",
    "mail.no_subject": "(nessun oggetto)",
    "mail.from": "Da {sender}",
    "mail.to": "A {recipients}",
    "mail.sent_by_you": "Inviata da te",
    "mail.attachments.zero": "Nessun allegato",
    "mail.attachments.one": "1 allegato, {size}",
    "mail.attachments.other": "{count} allegati, {size}",
    "mail.none": "Nessuna mail selezionata. Seleziona una mail in Outlook per collegarla al CRM.",
    # --- connessione -------------------------------------------------------------------------------
    "connect.title": "Collegati al tuo CRM",
    "connect.intro": "Mail Connector archivia la mail che stai leggendo in un record del tuo CRM vtenext.",
    "connect.url_label": "Indirizzo del CRM",
    "connect.url_hint": "Per esempio crm.example.com",
    "connect.url_ok": "Collegamento a {base}",
    "connect.username_label": "Nome utente del CRM",
    "connect.continue": "Continua",
    "connect.busy": "Contatto con il CRM…",
    "connect.username_missing": "Inserisci il tuo nome utente del CRM.",
    "connect.password_missing": "Inserisci la password.",
    "connect.code_missing": "Inserisci il codice della tua app di autenticazione.",
    "url.EMPTY": "Inserisci l'indirizzo del tuo CRM, per esempio crm.example.com.",
    "url.WHITESPACE": "L'indirizzo non può contenere spazi.",
    "url.SCHEME": "Usa un indirizzo che inizia con https://.",
    "url.CREDENTIALS": "Non inserire nome utente e password nell'indirizzo.",
    "url.HOST": "Questo non è un nome di host valido.",
    "url.PORT": "La porta deve essere un numero tra 1 e 65535.",
    "url.PATH": "L'indirizzo non può contenere cartelle “.” o “..”.",
    "url.HTTP_NOT_ALLOWED": "Il CRM deve usare https:// (http:// semplice è accettato solo per localhost).",
    "password.title": "Accedi",
    "password.at": "{installation} su {host}",
    "password.product": "{product} {version}, Mail Connector {component}",
    "password.as": "Nome utente: {username}",
    "password.label": "Password",
    "password.submit": "Accedi",
    "password.busy": "Accesso in corso…",
    "password.change": "Usa un altro indirizzo o nome utente",
    "password.privacy": "La password va solo al tuo CRM e non viene mai salvata.",
    "otp.title": "Inserisci il codice monouso",
    "otp.intro": "Il tuo CRM chiede un secondo passaggio. Apri l'app di autenticazione e inserisci il codice "
    "per {username}.",
    "otp.label": "Codice monouso",
    "otp.submit": "Verifica",
    # --- licenza -----------------------------------------------------------------------------------
    "gate.component_missing.title": "Mail Connector non è installato su questo CRM",
    "gate.component_missing.body": "Il CRM su {host} risponde, ma senza il componente Mail Connector, "
    "oppure con una versione di vtenext precedente alla 24.08.",
    "gate.component_missing.todo": "Chiedi all'amministratore del CRM di installare o aggiornare il componente "
    "Mail Connector, poi riprova.",
    "gate.licence_inactive.title": "La licenza di Mail Connector non è attiva",
    "gate.licence_inactive.body": "La licenza di Mail Connector di {installation} non è stata attivata: "
    "per ora non è possibile collegare mail.",
    "gate.licence_inactive.todo": "Chiedi all'amministratore del CRM di attivare la licenza, poi riprova.",
    "gate.licence_expired.title": "La licenza di Mail Connector è scaduta",
    "gate.licence_expired.body": "La licenza di Mail Connector di {installation} è scaduta: non è possibile "
    "collegare mail finché non viene rinnovata.",
    "gate.licence_expired.todo": "Chiedi all'amministratore del CRM di rinnovare la licenza, poi riprova.",
    "gate.user_not_enabled.title": "Il tuo utente non è abilitato a Mail Connector",
    "gate.user_not_enabled.body": "La licenza di {installation} copre un numero definito di utenti e il tuo "
    "utente del CRM non è tra questi.",
    "gate.user_not_enabled.todo": "Chiedi all'amministratore del CRM di abilitare il tuo utente (o di liberare "
    "un posto), poi riprova.",
    "gate.retry": "Riprova",
    "gate.other": "Usa un altro CRM o account",
    "gate.this_crm": "questo CRM",
    # --- verifica della connessione (core/doctor.py) ------------------------------------------------
    "doctor.open": "Verifica connessione",
    "doctor.title": "Verifica della connessione",
    "doctor.intro": "Verifica di {base} passo per passo da questo computer.",
    "doctor.running": "Verifica in corso…",
    "doctor.probe.address": "Indirizzo del CRM",
    "doctor.probe.https": "Connessione sicura (HTTPS)",
    "doctor.probe.local_network": "Accesso alla rete locale",
    "doctor.probe.reach": "Il CRM risponde al componente aggiuntivo",
    "doctor.probe.no_cors": "Il server risponde",
    "doctor.probe.component": "Mail Connector sul CRM",
    "doctor.probe.version": "Versione di Mail Connector",
    "doctor.probe.licence": "Licenza",
    "doctor.probe.user": "Il tuo utente",
    "doctor.probe.clock": "Orologi di questo computer e del CRM",
    "doctor.outcome.ok": "OK",
    "doctor.outcome.fail": "Problema",
    "doctor.outcome.warn": "Attenzione",
    "doctor.outcome.skip": "Non verificato",
    "doctor.who.user": "Chi deve intervenire: tu",
    "doctor.who.admin": "Chi deve intervenire: l'amministratore del CRM",
    "doctor.report": "Rapporto per l'amministratore",
    "doctor.report_title": "Verifica della connessione di Mail Connector",
    "doctor.report_addin": "Componente aggiuntivo: {version}, caricato da {origin}",
    "doctor.report_crm": "Indirizzo del CRM: {base}",
    "doctor.report_when": "Verificato: {when}",
    "doctor.report_result": "Esito: {title}",
    "doctor.report_todo": "Cosa fare: {todo}",
    "doctor.copy": "Copia rapporto",
    "doctor.copied": "Copiato. Incollalo in una mail all'amministratore del CRM.",
    "doctor.copy_failed": "Copia non riuscita: seleziona il testo del rapporto e copialo.",
    "doctor.again": "Verifica di nuovo",
    "doctor.back": "Indietro",
    "doctor.direction.ahead": "avanti rispetto a",
    "doctor.direction.behind": "indietro rispetto a",
    "doctor.address.title": "L'indirizzo del CRM non può essere usato",
    "doctor.address.todo": "{reason} Correggi l'indirizzo nella schermata precedente.",
    "doctor.cors.title": "Il CRM non consente questo componente aggiuntivo (CORS)",
    "doctor.cors.todo": "Il server su {host} risponde, ma le sue risposte non consentono le pagine di {origin}, "
    "quindi il browser le nasconde al componente aggiuntivo. L'amministratore del CRM deve inviare queste "
    "intestazioni sull'API REST del CRM (/restapi/), una volta ciascuna:",
    "doctor.unreachable_https.title": "Il browser non riesce a collegarsi a {host}",
    "doctor.unreachable_https.todo": "Nemmeno una richiesta minima ha avuto risposta. Il browser non dice perché; "
    "è uno di questi casi: il nome non esiste (DNS), il server è spento o bloccato da un firewall, oppure il suo "
    "certificato non è considerato attendibile da questo computer. Controlla l'indirizzo e apri https://{host} nel "
    "browser per vedere un eventuale avviso sul certificato; se il problema resta, avvisa l'amministratore del CRM.",
    "doctor.unreachable.title": "Nessuno risponde su {host}",
    "doctor.unreachable.todo": "Nemmeno una richiesta minima ha avuto risposta: il CRM non è in funzione a questo "
    "indirizzo, oppure la porta è sbagliata. Controlla l'indirizzo; se è giusto, l'amministratore del CRM deve "
    "avviare il CRM.",
    "doctor.timeout.title": "Il CRM su {host} non risponde in tempo",
    "doctor.timeout.todo": "Il server ha accettato la richiesta ma non ha risposto entro 10 secondi. Riprova più "
    "tardi; se il problema resta, avvisa l'amministratore del CRM.",
    "doctor.local_network.title": "Il browser blocca l'accesso alla rete locale",
    "doctor.local_network.todo": "{host} si trova su questo computer o nella tua rete locale, mentre il componente "
    "aggiuntivo è caricato da internet ({origin}). Chrome ed Edge richiedono allora il permesso di accesso alla "
    "rete locale, che la finestra di Outlook deve passare al componente aggiuntivo; senza, la richiesta fallisce. "
    "L'amministratore può pubblicare il CRM con un nome HTTPS pubblico (per esempio tramite un reverse proxy), "
    "oppure consentire l'origine del componente aggiuntivo con il criterio del browser "
    "LocalNetworkAccessAllowedForUrls.",
    "doctor.component_missing.title": "Mail Connector non è installato su questo CRM",
    "doctor.component_missing.todo": "Il CRM su {host} risponde, ma senza il componente Mail Connector (o con "
    "vtenext precedente alla 24.08). L'amministratore del CRM deve installare o aggiornare il componente.",
    "doctor.wrong_path.title": "Questo indirizzo non è quello del CRM",
    "doctor.wrong_path.todo": "Su {base} risponde qualcosa (HTTP {status}), ma non è l'API REST di vtenext. Usa "
    "l'indirizzo della pagina di accesso del CRM, compreso un eventuale percorso come /vtenext.",
    "doctor.crm_error.title": "Il CRM ha risposto alla verifica con un errore",
    "doctor.crm_error.todo": "La risposta del CRM era un errore ({code}). Copia il rapporto qui sotto per "
    "l'amministratore del CRM.",
    "doctor.too_old.title": "Mail Connector sul CRM è troppo vecchio",
    "doctor.too_old.todo": "Il CRM ha Mail Connector {version}; questo componente aggiuntivo richiede la {minimum} "
    "o successiva. L'amministratore del CRM deve aggiornare il componente.",
    "doctor.licence_inactive.title": "La licenza di Mail Connector non è attiva",
    "doctor.licence_inactive.todo": "La licenza di {installation} non è stata attivata. L'amministratore del CRM "
    "deve attivarla.",
    "doctor.licence_expired.title": "La licenza di Mail Connector è scaduta",
    "doctor.licence_expired.todo": "La licenza di {installation} è scaduta. L'amministratore del CRM deve "
    "rinnovarla.",
    "doctor.user_not_enabled.title": "Il tuo utente non è abilitato a Mail Connector",
    "doctor.user_not_enabled.todo": "La licenza di {installation} copre un insieme di utenti e il tuo non è tra "
    "questi (lo ha detto il tuo ultimo accesso). L'amministratore del CRM deve abilitare il tuo utente.",
    "doctor.user_inactive.title": "Il tuo utente del CRM è disattivato",
    "doctor.user_inactive.todo": "Il tuo ultimo accesso ha detto che il tuo utente è disattivato. L'amministratore "
    "del CRM deve riattivarlo.",
    "doctor.login_locked.title": "Il tuo utente del CRM è bloccato",
    "doctor.login_locked.todo": "Il tuo utente è stato bloccato dopo troppi accessi falliti. L'amministratore del "
    "CRM deve sbloccarlo.",
    "doctor.clock_skew.title": "Gli orologi differiscono di {minutes} minuti",
    "doctor.clock_skew.todo": "L'orologio del CRM è {minutes} minuti {direction} quello di questo computer. Accessi "
    "e date non funzionano bene quando gli orologi differiscono. Imposta data e ora di questo computer in modo "
    "automatico; se sono giuste, avvisa l'amministratore del CRM che l'orologio del server è sbagliato.",
    "doctor.all_good.title": "Nessun problema trovato",
    "doctor.all_good.todo": "{host} risponde al componente aggiuntivo, ha Mail Connector e una licenza attiva. Se "
    "qualcosa continua a non funzionare, copia il rapporto per l'amministratore del CRM.",
    # --- errori ------------------------------------------------------------------------------------
    "error.CRM_ERROR": "Il CRM non ha potuto eseguire l'operazione.",
    "error.URL_ERROR": "Questo indirizzo del CRM non può essere usato.",
    "error.MALFORMED_URL": "Questo indirizzo del CRM non è valido.",
    "error.INSECURE_URL": "Il CRM deve usare https://.",
    "error.NETWORK_ERROR": "Il CRM non è raggiungibile. Controlla la connessione e riprova.",
    "error.CORS_OR_NETWORK": "Il CRM non è raggiungibile da Outlook. Controlla l'indirizzo e la connessione; "
    "se sono corretti, il CRM potrebbe non consentire l'accesso ai componenti aggiuntivi (chiedi "
    "all'amministratore del CORS).",
    "error.LOCAL_NETWORK": "Il browser ha bloccato la connessione a {host}: si trova nella tua rete locale e il "
    "componente aggiuntivo è caricato da internet (accesso alla rete locale). Chiedi all'amministratore del CRM di "
    "pubblicare il CRM con un indirizzo HTTPS pubblico, o di consentire l'accesso alla rete locale al componente "
    "aggiuntivo. Verifica connessione dà più dettagli.",
    "error.HOST_NOT_FOUND": "Nessun server ha questo nome. Controlla l'indirizzo del CRM.",
    "error.UNREACHABLE": "Nessuno risponde a questo indirizzo. Il CRM potrebbe essere spento: riprova più tardi.",
    "error.TLS_ERROR": "La connessione sicura al CRM non è riuscita: il suo certificato non è valido per questo "
    "indirizzo.",
    "error.TIMEOUT": "Il CRM non ha risposto in tempo. Riprova.",
    "error.NOT_VTENEXT": "Il server a questo indirizzo non è un CRM vtenext. Controlla l'indirizzo.",
    "error.COMPONENT_MISSING": "Mail Connector non è installato su questo CRM (o è precedente alla 24.08).",
    "error.PROTOCOL_ERROR": "Il CRM ha risposto in modo inatteso. Riprova; se succede ancora, avvisa "
    "l'amministratore.",
    "error.INVALID_REQUEST": "Il CRM ha rifiutato la richiesta perché malformata. Avvisa l'amministratore.",
    "error.AUTH_ERROR": "Accesso non riuscito.",
    "error.INVALID_CREDENTIALS": "Nome utente o password errati.",
    "error.OTP_REQUIRED": "Inserisci il codice della tua app di autenticazione.",
    "error.OTP_INVALID": "Il codice è errato o scaduto. Inserisci il codice attuale.",
    "error.USER_INACTIVE": "Il tuo utente del CRM è disattivato. Rivolgiti all'amministratore del CRM.",
    "error.LOGIN_LOCKED": "Il tuo utente del CRM è bloccato dopo troppi accessi falliti. Chiedi "
    "all'amministratore del CRM di sbloccarlo.",
    "error.SESSION_EXPIRED": "La sessione del CRM è terminata. Accedi di nuovo.",
    "error.AUTHENTICATION_REQUIRED": "Accedi prima al tuo CRM.",
    "error.LICENCE_ERROR": "La licenza di Mail Connector non lo consente.",
    "error.LICENCE_INACTIVE": "La licenza di Mail Connector non è attiva.",
    "error.LICENCE_EXPIRED": "La licenza di Mail Connector è scaduta.",
    "error.USER_NOT_ENABLED": "Il tuo utente non è abilitato a Mail Connector.",
    "error.ACCESS_DENIED": "Il CRM non ti consente questa operazione (nessun permesso su questo record o modulo).",
    "error.RECORD_NOT_FOUND": "Questo record non esiste più nel CRM (potrebbe essere stato eliminato nel "
    "frattempo). Scegli un altro record.",
    "error.TOO_LARGE": "Questa mail è più grande di quanto il CRM accetti.",
    "error.UPLOAD_ERROR": "Il caricamento di un allegato non è riuscito. Riprova.",
    "error.UPLOAD_CORRUPT": "Un allegato è arrivato danneggiato al CRM ed è stato scartato. Riprova.",
    "error.UPLOAD_OFFSET": "Il caricamento di un allegato è andato fuori sequenza. Riprova.",
    "error.UPLOAD_NOT_FOUND": "Il CRM non ha più un allegato caricato. Riprova.",
    "error.SERVER_ERROR": "Errore interno del CRM. Non è stato salvato nulla: riprova tra poco.",
    "error.WEBSERVICE_ERROR": "Il CRM ha rifiutato la richiesta.",
    "error.QUERY_REJECTED": "Il CRM ha rifiutato la ricerca.",
    "error.ITEM_CHANGED": "La mail selezionata è cambiata mentre veniva letta. "
    "Non è stato salvato nulla: selezionala e collegala di nuovo.",
    "error.UNEXPECTED": "Qualcosa non ha funzionato in Mail Connector. Riprova.",
    "logout.not_revoked": "Disconnesso su questo dispositivo, ma non è stato possibile contattare il CRM per "
    "revocare la sessione. L'amministratore può revocarla.",
    # --- scelta del record -------------------------------------------------------------------------
    "linked.title": "Già nel CRM",
    "linked.item": "Collegata a {module} {record} da {user}, {when}",
    "linked.item_nodate": "Collegata a {module} {record} da {user}",
    "linked.loading": "Verifico se questa mail è già nel CRM…",
    "linked.error": "Non è stato possibile verificare se questa mail è già nel CRM.",
    "suggestions.title": "Record suggeriti",
    "suggestions.loading": "Cerco i record di {addresses}…",
    "suggestions.none": "Nessun record ha l'indirizzo {addresses}.",
    "suggestions.none_addresses": "Questa mail non ha altri indirizzi da cercare.",
    "suggestions.error": "I suggerimenti non sono disponibili al momento.",
    "suggestion.matched": "corrisponde a {address}",
    "search.title": "Trova un record",
    "search.module_label": "Modulo",
    "search.label": "Cerca in {module}",
    "search.placeholder": "Nome, numero o email",
    "search.searching": "Ricerca in corso…",
    "search.none": "Nessun record corrisponde a “{text}”.",
    "search.too_many": "{total} record corrispondono: mostro i primi {shown}. Scrivi di più per restringere "
    "la ricerca.",
    "search.results.one": "1 record trovato",
    "search.results.other": "{count} record trovati",
    "modules.loading": "Caricamento dei tuoi moduli…",
    "modules.error": "Non è stato possibile caricare i tuoi moduli.",
    "modules.none": "Il tuo utente del CRM non può collegare mail a nessun modulo.",
    "record.number": "N. {number}",
    "record.owner": "Assegnato a: {owner}",
    # --- prima del collegamento --------------------------------------------------------------------
    "preflight.title": "Collega questa mail",
    "preflight.to": "a {module}",
    "preflight.copied": "Cosa verrà salvato",
    "preflight.body": "Testo del messaggio (HTML e testo semplice)",
    "preflight.eml": "Il messaggio originale (.eml)",
    "preflight.plan.copy": "Copiato",
    "preflight.plan.link": "Salvato come link",
    "preflight.plan.skip": "Non copiato",
    "preflight.reason.cloud": "File nel cloud: il CRM ne conserva il link",
    "preflight.reason.old_host": "Questo Outlook non può fornire gli allegati (serve Mailbox 1.8)",
    "preflight.reason.too_large": "Più grande di quanto il CRM accetti per un file",
    "preflight.reason.no_eml": "Questo Outlook non può fornire il messaggio originale",
    "preflight.already": "Questa mail è già collegata a questo record: collegarla di nuovo non salva nulla "
    "di nuovo.",
    "preflight.too_large": "Questa mail ({total}) è più grande di quanto il CRM accetti ({limit}).",
    "preflight.read_only": "Puoi vedere i record di {module}, ma non collegarvi mail.",
    "preflight.link": "Collega",
    "preflight.back": "Scegli un altro record",
    "kind.pdf": "PDF",
    "kind.image": "Immagine",
    "kind.text": "Testo",
    "kind.document": "Documento",
    "kind.spreadsheet": "Foglio di calcolo",
    "kind.presentation": "Presentazione",
    "kind.archive": "Archivio",
    "kind.mail": "Mail",
    "kind.calendar": "Calendario",
    "kind.contact": "Biglietto da visita",
    "kind.cloud": "File nel cloud",
    "kind.file": "File",
    "kind.inline": "{kind} nel testo",
    # --- collegamento ------------------------------------------------------------------------------
    "linking.title": "Collegamento a {module} {record}",
    "linking.uploading": "Caricamento degli allegati…",
    "linking.saving": "Salvataggio nel CRM…",
    "linking.verifying": "Verifico cosa ha salvato il CRM…",
    "linking.overall": "{sent} di {total}",
    "linking.eml": "Messaggio originale (.eml)",
    "linking.item.waiting": "In attesa",
    "linking.item.reading": "Lettura da Outlook…",
    "linking.item.uploading": "{sent} di {size}",
    "linking.item.done": "Caricato",
    "linking.item.skipped": "Non copiato",
    "linking.item.failed": "Non riuscito",
    "linking.background": "Il collegamento si completa anche se selezioni un'altra mail.",
    "link.skipped.UNSUPPORTED": "Outlook non può fornire questo tipo di allegato",
    "link.skipped.UNAVAILABLE": "Outlook non ha potuto fornire questo allegato",
    "link.skipped.ITEM_CHANGED": "La mail è cambiata mentre veniva letta",
    "link.skipped.TOO_LARGE": "Più grande di quanto il CRM accetti",
    "link.skipped.OLD_HOST": "Questo Outlook non può fornire gli allegati",
    # --- ricevuta ----------------------------------------------------------------------------------
    "receipt.linked": "Collegata a {module} {record}",
    "receipt.added": "Collegata a {module} {record}. Il CRM aveva già questa mail, quindi non è stato copiato "
    "nulla di nuovo.",
    "receipt.already": "Già collegata a {module} {record}: non è stato salvato nulla di nuovo.",
    "receipt.stored": "Cosa contiene il CRM",
    "receipt.subject": "Oggetto: {subject}",
    "receipt.body": "Testo del messaggio: {size}",
    "receipt.files.zero": "Nessun allegato",
    "receipt.files.one": "1 allegato, {size}",
    "receipt.files.other": "{count} allegati, {size}",
    "receipt.links.one": "1 file nel cloud conservato come link",
    "receipt.links.other": "{count} file nel cloud conservati come link",
    "receipt.eml": "Messaggio originale (.eml): {size}",
    "receipt.eml_skipped": "Messaggio originale (.eml) non salvato: {reason}",
    "receipt.verified": "Verificato: il CRM contiene il testo del messaggio e ogni file identici, byte per byte, "
    "a come sono stati inviati (SHA-256).",
    "receipt.mismatch": "Il CRM non contiene queste parti come sono state inviate: {names}",
    "receipt.skipped": "Non copiati, perché Outlook non li ha forniti: {names}",
    "receipt.part.eml": "il messaggio originale (.eml)",
    "receipt.part.body_html": "il testo del messaggio (HTML)",
    "receipt.part.body_text": "il testo del messaggio (testo semplice)",
    "receipt.no_link.scheme": "Nessun link al record: il CRM ha fornito un indirizzo che non è una pagina web.",
    "receipt.no_link.origin": "Nessun link al record: il CRM ha fornito un indirizzo di un altro sito. Apri il "
    "record direttamente dal CRM.",
    "receipt.open": "Apri il record nel CRM",
    "receipt.again": "Collega a un altro record",
    # --- annullare un collegamento (core/unlink.py) -------------------------------------------------
    "unlink.from_receipt": "Annulla questo collegamento",
    "unlink.from_banner": "Rimuovi collegamento",
    "unlink.from_banner_label": "Rimuovi il collegamento a {record}",
    "unlink.title": "Rimuovere il collegamento a {module} {record}?",
    "unlink.intro": "La mail “{subject}” non sarà più archiviata sotto {module} {record}.",
    "unlink.keeps.one": "Sparisce solo questo collegamento: la mail resta nel CRM sotto 1 altro record.",
    "unlink.keeps.other": "Sparisce solo questo collegamento: la mail resta nel CRM sotto altri {count} record.",
    "unlink.deletes": "Nessun altro record che puoi vedere contiene questa mail: il CRM eliminerà la mail "
    "archiviata insieme ai suoi allegati e al messaggio originale (a meno che la contenga un record che non vedi).",
    "unlink.unknown": "Se nessun altro record contiene questa mail, il CRM elimina anche la mail archiviata "
    "insieme ai suoi allegati.",
    "unlink.confirm": "Rimuovi collegamento",
    "unlink.busy": "Rimozione in corso…",
    "unlink.done_title": "Collegamento rimosso",
    "unlink.done_relation": "La mail non è più archiviata sotto {module} {record}. Resta nel CRM per gli altri "
    "record che la contengono.",
    "unlink.done_deleted": "La mail non è più archiviata sotto {module} {record} e il CRM ha eliminato la mail "
    "archiviata: nessun altro record la conteneva.",
    "unlink.deleted_files.zero": "Non aveva allegati.",
    "unlink.deleted_files.one": "Il suo allegato è stato eliminato con lei.",
    "unlink.deleted_files.other": "I suoi {count} allegati sono stati eliminati con lei.",
    "unlink.done_nothing": "Questo collegamento non c'era più (era già stato rimosso). Non è cambiato nulla.",
    "unlink.elsewhere": "Collega a un altro record",
    "unlink.denied": "Solo {user}, che ha creato questo collegamento, o un amministratore del CRM può rimuoverlo.",
    "unlink.denied_other": "Solo l'utente che ha creato questo collegamento, o un amministratore del CRM, può "
    "rimuoverlo.",
    # --- nuova sessione e avvisi -------------------------------------------------------------------
    "reauth.title": "La sessione del CRM è terminata",
    "reauth.intro": "Accedi di nuovo come {username}: quello che stavi facendo riprende da solo.",
    "reauth.submit": "Accedi e continua",
    "notice.linked": "La mail “{subject}” è stata collegata a {module} {record}.",
    "notice.already_linked": "La mail “{subject}” era già collegata a {module} {record}: non è stato salvato "
    "nulla di nuovo.",
    "notice.link_failed": "La mail “{subject}” non è stata collegata.",
}
