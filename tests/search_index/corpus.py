"""A small bilingual corpus of RCM documents for the search tests.

Organizations: 1 Technical Secretariat, 2 Mexico, 3 Guatemala, 4 Honduras,
5 United States, 6 Costa Rica, 7 IOM, 8 UNHCR, 9 a civil-society network,
10 Colombia, 11 El Salvador, 12 Panama, 13 ILO, 14 OHCHR, 15 Dominican Republic,
16 Canada, 17 UNICEF.

Words that occur only in restricted documents, for the leak tests:
``centinela`` and ``kestrel`` (members), ``extracontinentales`` (members) and
``farallón`` (secretariat visibility, owned by Guatemala).
"""

from datetime import UTC, datetime

MEMBERS_ONLY_WORDS = ("centinela", "kestrel", "extracontinentales")
SECRETARIAT_ONLY_WORD = "farallón"
SECRETARIAT_DOC_ID = 28
SECRETARIAT_DOC_OWNER = 3
SCRIPT_TITLE_DOC_ID = 37


# `id` is the document field it fills.
def _doc(
    id,  # noqa: A002
    language,
    doc_type,
    org,
    visibility,
    date,
    tags,
    countries,
    title,
    summary,
    body,
    attachments_text="",
):
    year, month, day = date
    return {
        "id": id,
        "title": title,
        "summary": summary,
        "body": body,
        "attachments_text": attachments_text,
        "language": language,
        "doc_type": doc_type,
        "tags": list(tags),
        "countries": list(countries),
        "organization_id": org,
        "visibility": visibility,
        "published_at": datetime(year, month, day, 12, 0, tzinfo=UTC),
        "fingerprint": f"{id}-v1",
    }


DOCUMENTS = [
    _doc(
        1,
        "es",
        "practice_report",
        2,
        "public",
        (2021, 3, 15),
        ["unaccompanied-children", "child-protection"],
        ["MX", "GT"],
        "Atención a niñez migrante no acompañada en la frontera sur",
        "Módulos de atención especializada para niñas, niños y adolescentes no acompañados "
        "identificados en la frontera sur de México.",
        "Los módulos de protección instalados en estaciones migratorias de Chiapas y Tabasco "
        "brindan primera acogida a niñas, niños y adolescentes no acompañados. Personal de las "
        "procuradurías de protección evalúa el interés superior de cada niño, garantiza su "
        "acceso a la educación y a la salud, y coordina con los consulados la búsqueda de "
        "familiares. Entre 2019 y 2021 se atendió a más de 12 000 niños no acompañados.",
    ),
    _doc(
        2,
        "en",
        "practice_report",
        5,
        "public",
        (2022, 5, 2),
        ["unaccompanied-children", "child-protection"],
        ["US", "MX"],
        "Screening and care for unaccompanied children at the border",
        "How border agencies screen unaccompanied children for protection needs and transfer "
        "them to child-welfare shelters within 72 hours.",
        "Every unaccompanied child encountered at the southern border is screened for signs of "
        "trafficking and persecution. Children are transferred to licensed shelters where case "
        "managers locate sponsors, usually parents or close relatives. The report describes the "
        "screening questionnaire, the training of officers and the time limits that protect "
        "the child.",
    ),
    _doc(
        3,
        "es",
        "guidance",
        1,
        "public",
        (2019, 6, 20),
        ["child-protection"],
        ["MX", "GT", "HN", "SV", "CR", "PA"],
        "Lineamientos regionales para la protección de niñas, niños y adolescentes migrantes",
        "Lineamientos aprobados por la Conferencia Regional sobre Migración para la atención y "
        "protección de la niñez migrante y refugiada.",
        "Los lineamientos establecen la determinación del interés superior, la no detención de "
        "niños migrantes, la reunificación familiar y la coordinación consular entre los países "
        "de origen, tránsito y destino. Incluyen un mecanismo de referencia para niños "
        "separados y no acompañados.",
    ),
    _doc(
        4,
        "en",
        "guidance",
        1,
        "public",
        (2019, 6, 20),
        ["child-protection"],
        ["MX", "GT", "HN", "SV", "CR", "PA"],
        "Regional guidelines for the protection of migrant children",
        "Guidelines adopted by the Regional Conference on Migration on the care and protection "
        "of migrant and refugee children.",
        "The guidelines set out best-interest determination, the non-detention of migrant "
        "children, family reunification and consular coordination between countries of "
        "origin, transit and destination. Each child is heard and every decision considers "
        "the best interest of the child.",
    ),
    _doc(
        5,
        "es",
        "practice_report",
        3,
        "public",
        (2020, 9, 1),
        ["return-reintegration"],
        ["GT"],
        "Retorno y reintegración de personas migrantes guatemaltecas",
        "Recepción digna de personas retornadas y programas de reintegración económica y "
        "psicosocial en Guatemala.",
        "El Centro de Recepción de Retornados en la Ciudad de Guatemala recibe vuelos y "
        "autobuses de personas retornadas. Se ofrece atención médica, orientación laboral y "
        "certificación de competencias para facilitar la reinserción en el mercado laboral. "
        "La reintegración comunitaria se apoya en gobiernos municipales.",
        "Anexo: estadísticas de retorno por departamento y perfil de las personas retornadas.",
    ),
    _doc(
        6,
        "en",
        "experience",
        7,
        "public",
        (2023, 2, 10),
        ["return-reintegration"],
        ["HN"],
        "Assisted voluntary return and reintegration in Honduras",
        "Lessons from reintegration assistance to returning migrants in Honduran communities.",
        "Returnees received reintegration plans combining small-business grants, vocational "
        "training and psychosocial support. Follow-up after twelve months showed that "
        "community-based reintegration lowered the intention to migrate again.",
    ),
    _doc(
        7,
        "es",
        "practice_report",
        4,
        "participants",
        (2021, 11, 5),
        ["return-reintegration"],
        ["HN"],
        "Centros de Atención al Migrante Retornado en Honduras",
        "Los CAMR reciben a hondureños retornados desde México y Estados Unidos.",
        "Los Centros de Atención al Migrante Retornado ofrecen alimentación, atención médica, "
        "llamadas telefónicas y referencia a programas de reintegración. Se registra el perfil "
        "de cada persona retornada para orientar la política pública de retorno.",
    ),
    _doc(
        8,
        "es",
        "guidance",
        1,
        "public",
        (2018, 4, 12),
        ["trafficking"],
        ["MX", "GT", "HN", "SV", "CR", "PA", "BZ", "NI", "DO"],
        "Protocolo regional para la identificación de víctimas de trata de personas",
        "Procedimiento común para identificar, referir y proteger a víctimas de trata de "
        "personas en la región.",
        "El protocolo define indicadores de trata de personas, entrevistas con enfoque de "
        "género y edad, y la referencia a servicios especializados. La identificación temprana "
        "de víctimas permite su protección y la persecución de las redes de trata.",
    ),
    _doc(
        9,
        "en",
        "practice_report",
        5,
        "public",
        (2020, 7, 30),
        ["trafficking"],
        ["US"],
        "Combating trafficking in persons through interagency task forces",
        "Interagency task forces bring together prosecutors, labor inspectors and victim service providers.",
        "Task forces against trafficking in persons investigate forced labor and sexual "
        "exploitation cases. Victims receive immigration relief and services while their "
        "cases are prosecuted.",
    ),
    _doc(
        10,
        "es",
        "experience",
        9,
        "participants",
        (2022, 8, 18),
        ["trafficking", "gender"],
        ["SV"],
        "Casas de acogida para sobrevivientes de trata en El Salvador",
        "Una red de organizaciones civiles gestiona casas de acogida para mujeres "
        "sobrevivientes de trata de personas.",
        "Las casas de acogida ofrecen alojamiento seguro, acompañamiento legal y apoyo "
        "psicológico a mujeres y adolescentes víctimas de trata de personas con fines de "
        "explotación sexual.",
    ),
    _doc(
        11,
        "en",
        "guidance",
        8,
        "public",
        (2021, 1, 25),
        ["asylum", "refugees"],
        ["CR", "MX", "PA"],
        "Guidance on asylum seekers' access to international protection",
        "How states can keep asylum procedures open and fair for asylum seekers arriving at land borders.",
        "Asylum seekers must be able to lodge an asylum application at the border, receive "
        "information in a language they understand and remain protected from refoulement "
        "while their claim for refugee status is examined.",
    ),
    _doc(
        12,
        "es",
        "practice_report",
        6,
        "public",
        (2022, 3, 9),
        ["asylum", "refugees"],
        ["CR"],
        "Sistema de citas en línea para solicitantes de asilo en Costa Rica",
        "Un sistema de citas en línea redujo las filas y los tiempos de espera de las "
        "personas solicitantes de asilo.",
        "La Unidad de Refugio habilitó citas en línea para formalizar solicitudes de asilo. "
        "Las personas solicitantes reciben un carné provisional que les permite trabajar "
        "mientras se resuelve su condición de refugiado.",
    ),
    _doc(
        13,
        "es",
        "practice_report",
        2,
        "public",
        (2023, 4, 14),
        ["refugees", "labour-migration", "integration"],
        ["MX"],
        "Integración laboral de personas refugiadas en el norte de México",
        "Reubicación voluntaria de personas refugiadas hacia ciudades industriales con empleo formal.",
        "El programa traslada a personas refugiadas reconocidas hacia ciudades con demanda de "
        "trabajadores, con apoyo para vivienda, inscripción escolar de sus hijos y acceso a la "
        "seguridad social. Más de 30 000 refugiados obtuvieron un empleo formal.",
    ),
    _doc(
        14,
        "en",
        "practice_report",
        10,
        "public",
        (2021, 3, 1),
        ["regularization"],
        ["CO"],
        "Temporary protection status for Venezuelan migrants in Colombia",
        "A ten-year temporary protection status gave regular status and identity documents to "
        "Venezuelan migrants.",
        "The temporary protection status combined a registry, biometric enrolment and a "
        "permit that gives access to work, health and education. The regularization reached "
        "more than 1.5 million Venezuelan migrants.",
    ),
    _doc(
        15,
        "es",
        "practice_report",
        12,
        "public",
        (2020, 10, 6),
        ["regularization"],
        ["PA"],
        "Regularización migratoria extraordinaria en Panamá",
        "Un proceso de regularización permitió a personas migrantes en situación irregular "
        "obtener un permiso de residencia y trabajo.",
        "La regularización migratoria exigió un documento de identidad vigente y la ausencia de "
        "antecedentes penales. Las personas regularizadas obtuvieron permiso de trabajo.",
    ),
    _doc(
        16,
        "es",
        "guidance",
        1,
        "public",
        (2017, 9, 12),
        ["consular-protection"],
        ["MX", "GT", "HN", "SV", "NI", "CR", "PA", "BZ", "DO", "US", "CA"],
        "Guía de protección consular para funcionarios consulares",
        "Guía práctica de la red de protección consular de la región.",
        "La guía orienta a los funcionarios consulares en la asistencia a personas detenidas, "
        "la repatriación de restos, la protección de niños y la notificación consular. La "
        "protección consular se presta sin discriminación a todos los nacionales.",
    ),
    _doc(
        17,
        "en",
        "practice_report",
        2,
        "public",
        (2019, 2, 22),
        ["consular-protection"],
        ["MX", "US"],
        "Mobile consulates bring consular protection to Mexican nationals",
        "Mobile consulates travel to rural communities to issue documents and provide legal assistance.",
        "Mobile consulates issue passports and consular identity cards and offer legal advice "
        "on labor rights and immigration proceedings. Consular protection reaches nationals "
        "who live far from a consulate.",
    ),
    _doc(
        18,
        "es",
        "practice_report",
        3,
        "participants",
        (2023, 6, 30),
        ["consular-protection"],
        ["GT", "US"],
        "Matrícula consular y documentos de identidad para guatemaltecos en el exterior",
        "La matrícula consular sirve como documento de identidad ante bancos y autoridades locales.",
        "Los consulados de Guatemala emiten la matrícula consular en jornadas móviles. El "
        "documento facilita la apertura de cuentas bancarias y el envío de remesas.",
    ),
    _doc(
        19,
        "en",
        "guidance",
        13,
        "public",
        (2022, 11, 3),
        ["labour-migration"],
        ["GT", "MX", "CA"],
        "Fair recruitment of migrant workers: operational guidelines",
        "Operational guidelines to eliminate recruitment fees and protect migrant workers.",
        "Employers and recruiters should not charge recruitment fees to migrant workers, "
        "should provide written contracts in the worker's language and allow workers to keep "
        "their identity documents. Fair recruitment prevents forced labour.",
    ),
    _doc(
        20,
        "es",
        "practice_report",
        3,
        "public",
        (2021, 4, 8),
        ["labour-migration"],
        ["GT", "CA"],
        "Programa de trabajadores agrícolas temporales Guatemala–Canadá",
        "Migración laboral circular y ordenada de trabajadores agrícolas guatemaltecos hacia Canadá.",
        "El Ministerio de Trabajo selecciona a los trabajadores migrantes temporales, verifica "
        "los contratos y acompaña el reclutamiento ético sin cobro de comisiones. Los "
        "trabajadores regresan al final de cada temporada agrícola. La migración laboral "
        "circular complementa el ingreso de las familias rurales.",
    ),
    _doc(
        21,
        "es",
        "experience",
        9,
        "public",
        (2019, 12, 2),
        ["labour-migration", "gender"],
        ["CR"],
        "Derechos laborales de las trabajadoras migrantes en el servicio doméstico",
        "Organizaciones de trabajadoras domésticas migrantes promueven sus derechos humanos y laborales.",
        "Las trabajadoras migrantes del servicio doméstico recibieron asesoría sobre salario "
        "mínimo, jornada y seguridad social. La experiencia muestra la importancia de la "
        "organización colectiva para la defensa de los derechos humanos.",
    ),
    _doc(
        22,
        "en",
        "practice_report",
        11,
        "public",
        (2020, 5, 19),
        ["remittances"],
        ["SV", "US"],
        "Remittances and financial inclusion of migrant families",
        "Lower transfer costs and savings accounts linked to remittances.",
        "Migrant families receiving remittances opened savings accounts through a "
        "partnership with cooperatives. Financial inclusion lowered the cost of each transfer "
        "and encouraged productive investment.",
    ),
    _doc(
        23,
        "es",
        "practice_report",
        4,
        "public",
        (2022, 9, 27),
        ["remittances"],
        ["HN"],
        "Remesas para el desarrollo local en comunidades hondureñas",
        "Fondos comunitarios que combinan remesas colectivas con inversión municipal.",
        "Asociaciones de hondureños en el exterior envían remesas colectivas que los "
        "municipios complementan para construir escuelas y caminos rurales.",
    ),
    _doc(
        24,
        "en",
        "guidance",
        1,
        "public",
        (2023, 10, 16),
        ["displacement", "climate"],
        ["MX", "GT", "HN", "SV", "NI", "CR", "PA"],
        "Disaster displacement: a regional guide to protecting persons displaced across borders",
        "Effective practices for the protection of persons displaced across borders in the "
        "context of disasters and climate change.",
        "The guide describes humanitarian visas, temporary stay and the suspension of returns "
        "for persons displaced by hurricanes, earthquakes and other disasters.",
    ),
    _doc(
        25,
        "es",
        "practice_report",
        4,
        "public",
        (2021, 2, 3),
        ["displacement", "climate"],
        ["HN", "GT"],
        "Desplazamiento por desastres tras los huracanes Eta e Iota",
        "Respuesta al desplazamiento interno y transfronterizo causado por los huracanes de 2020.",
        "Los huracanes Eta e Iota provocaron el desplazamiento de miles de familias. Los "
        "albergues temporales, la documentación de personas desplazadas y la cooperación con "
        "Guatemala permitieron atender a la población afectada por el cambio climático.",
    ),
    _doc(
        26,
        "es",
        "practice_report",
        2,
        "members",
        (2022, 1, 20),
        ["border-management"],
        ["MX", "GT"],
        "Protocolo Centinela de alertas migratorias tempranas",
        "Intercambio reservado de alertas entre autoridades migratorias.",
        "El protocolo Centinela establece un canal reservado para compartir alertas "
        "tempranas sobre flujos migratorios atípicos entre las autoridades de México y "
        "Guatemala.",
    ),
    _doc(
        27,
        "en",
        "practice_report",
        5,
        "members",
        (2021, 8, 11),
        ["border-management"],
        ["US", "MX"],
        "Kestrel biometric data-sharing pilot for border management",
        "A restricted pilot exchanging biometric records between border agencies.",
        "The Kestrel pilot matched biometric records of persons encountered at the border "
        "against partner databases under a data-protection agreement.",
    ),
    _doc(
        28,
        "es",
        "experience",
        3,
        "secretariat",
        (2020, 12, 14),
        ["coordination"],
        ["GT"],
        "Evaluación interna del mecanismo Farallón de coordinación interinstitucional",
        "Evaluación reservada para la Secretaría Técnica.",
        "El mecanismo Farallón reunió a las instituciones guatemaltecas responsables de la "
        "atención a personas migrantes. La evaluación identifica duplicidades y propone una "
        "mesa única de coordinación.",
    ),
    _doc(
        29,
        "en",
        "guidance",
        14,
        "public",
        (2018, 10, 23),
        ["human-rights", "border-management"],
        ["MX", "US", "GT", "PA"],
        "Human rights at international borders: principles and guidelines",
        "Principles that place human rights at the centre of border governance.",
        "Border authorities should screen every person for protection needs, avoid arbitrary "
        "detention at borders and ensure access to justice. Human rights apply at every "
        "border crossing.",
    ),
    _doc(
        30,
        "es",
        "guidance",
        1,
        "public",
        (2020, 11, 30),
        ["xenophobia", "integration"],
        ["MX", "CR", "PA", "CO"],
        "Lineamientos contra la xenofobia y la discriminación hacia personas migrantes",
        "Estrategias de comunicación y de inclusión social para prevenir la xenofobia.",
        "Los lineamientos proponen campañas de comunicación, formación de periodistas y "
        "mecanismos de denuncia de actos de discriminación contra personas migrantes.",
    ),
    _doc(
        31,
        "en",
        "experience",
        9,
        "public",
        (2023, 3, 3),
        ["shelters", "transit"],
        ["MX", "GT"],
        "Community shelters for migrants in transit",
        "A network of faith-based shelters along the migration route.",
        "Community shelters provide food, medical care and legal orientation to migrants in "
        "transit. The network shares a common registry to locate missing persons.",
    ),
    _doc(
        32,
        "es",
        "practice_report",
        12,
        "public",
        (2023, 8, 21),
        ["transit", "health"],
        ["PA", "CO"],
        "Estaciones de recepción migratoria en el Darién",
        "Atención humanitaria a personas migrantes que cruzan la selva del Darién.",
        "Las estaciones de recepción migratoria ofrecen atención de salud, alimentación y "
        "registro biométrico a personas migrantes en tránsito tras cruzar el Darién.",
    ),
    _doc(
        33,
        "en",
        "practice_report",
        6,
        "participants",
        (2019, 9, 9),
        ["health", "gender"],
        ["CR"],
        "Access to health services for migrant women",
        "Community health workers help migrant women use public health services.",
        "Migrant women, including pregnant women and survivors of violence, were accompanied "
        "to clinics by community health workers speaking their language.",
    ),
    _doc(
        34,
        "es",
        "practice_report",
        15,
        "public",
        (2018, 6, 1),
        ["regularization"],
        ["DO"],
        "Plan nacional de regularización de extranjeros en la República Dominicana",
        "Un plan nacional permitió regularizar la situación migratoria de personas extranjeras.",
        "El plan de regularización recibió solicitudes en oficinas provinciales y entregó "
        "carnés de residencia temporal a personas extranjeras con arraigo en el país.",
    ),
    _doc(
        35,
        "en",
        "practice_report",
        16,
        "public",
        (2022, 2, 14),
        ["refugees", "integration"],
        ["CA"],
        "Language training and settlement services for refugees",
        "Settlement services help resettled refugees learn a language and find work.",
        "Resettled refugees receive language training, housing support and job search "
        "assistance during their first year. Settlement workers connect refugees with "
        "employers.",
    ),
    _doc(
        36,
        "es",
        "experience",
        17,
        "public",
        (2021, 9, 13),
        ["education", "child-protection"],
        ["MX", "CR"],
        "Educación para niños migrantes y refugiados en escuelas de acogida",
        "Escuelas de acogida matriculan a niños migrantes sin exigir documentos.",
        "La educación de niños migrantes y refugiados mejoró cuando las escuelas aceptaron la "
        "inscripción sin certificados previos y ofrecieron clases de nivelación.",
    ),
    _doc(
        37,
        "en",
        "guidance",
        2,
        "public",
        (2022, 7, 7),
        ["consular-protection", "digital"],
        ["MX"],
        "Securing consular appointment forms against <script> injection",
        "Why the consular appointment system escapes every field & rejects <b>markup</b>.",
        "An audit found that a form field accepted <script>alert('x')</script> and showed it "
        "to consular staff. The appointment system now escapes text & validates input.",
    ),
    _doc(
        38,
        "es",
        "practice_report",
        11,
        "public",
        (2019, 5, 27),
        ["smuggling"],
        ["SV", "GT", "MX"],
        "Tráfico ilícito de migrantes: investigación de redes de coyotaje",
        "Fiscalías especializadas investigan las redes de coyotaje que operan en la región.",
        "Las fiscalías de El Salvador, Guatemala y México intercambiaron información sobre "
        "redes de tráfico ilícito de migrantes y coyotaje, lo que permitió desarticular tres "
        "estructuras criminales.",
    ),
    _doc(
        39,
        "en",
        "practice_report",
        7,
        "public",
        (2022, 4, 4),
        ["smuggling"],
        ["GT", "MX", "US"],
        "Dismantling migrant smuggling networks through regional cooperation",
        "Joint investigations of migrant smuggling networks across Central America.",
        "Prosecutors from several countries shared evidence on migrant smuggling networks "
        "and seized the assets of smugglers who endangered migrants in sealed trucks.",
    ),
    _doc(
        40,
        "es",
        "practice_report",
        1,
        "members",
        (2023, 12, 1),
        ["migration-flows"],
        ["MX", "GT", "HN", "PA"],
        "Informe reservado sobre flujos migratorios extracontinentales",
        "Análisis reservado para los Estados miembros.",
        "El informe analiza las rutas de personas migrantes extracontinentales que llegan a "
        "la región por vía aérea y marítima.",
    ),
    _doc(
        41,
        "en",
        "guidance",
        1,
        "public",
        (2024, 2, 5),
        ["migration-flows"],
        ["MX", "GT", "HN", "SV", "NI", "CR", "PA", "BZ", "DO", "US", "CA"],
        "Regional overview of migration flows and human mobility",
        "Trends in migration flows across the region.",
        "Migration flows through the region diversified: more families, more children and "
        "more people from outside the Americas moving north.",
    ),
    _doc(
        42,
        "fr",
        "experience",
        7,
        "public",
        (2022, 10, 10),
        ["transit", "health"],
        ["PA", "MX"],
        "Protection des migrants haïtiens en transit",
        "Assistance humanitaire aux migrants haïtiens en transit vers le nord.",
        "Les migrants haïtiens en transit reçoivent une assistance médicale et une orientation "
        "juridique dans les centres d'accueil.",
    ),
]

BY_ID = {d["id"]: d for d in DOCUMENTS}


def documents_visible_to(visibilities, organization_id=None):
    return {
        d["id"]
        for d in DOCUMENTS
        if d["visibility"] in visibilities or d["organization_id"] == organization_id
    }
