from django.urls import path

from convocations.elus.views import (
    AccesElusView,
    EluActivationView,
    EluNaissanceView,
    NoticeRgpdView,
    PortailAdresseView,
    PortailDonneesView,
    PortailNoteView,
    PortailNoticeView,
    PortailRattacherView,
    PortailRecapitulatifView,
    PortailView,
    adresse_confirmation,
    lien_perdu,
    lien_perdu_envoye,
    manifest,
    mot_de_passe,
    rattachement_confirmation,
)

urlpatterns = [
    # Côté agent.
    path("convocations/elus/acces/", AccesElusView.as_view(), name="elus_acces"),
    path("convocations/elus/notice-rgpd/", NoticeRgpdView.as_view(), name="notice_rgpd"),
    path(
        "convocations/contacts/<int:pk>/naissance/",
        EluNaissanceView.as_view(),
        name="elu_naissance",
    ),
    path(
        "convocations/contacts/<int:pk>/activation/",
        EluActivationView.as_view(),
        name="elu_activation",
    ),
    # Espace élu.
    path("elu/", PortailView.as_view(), name="portail"),
    path("elu/notice/", PortailNoticeView.as_view(), name="portail_notice"),
    path("elu/donnees/", PortailDonneesView.as_view(), name="portail_donnees"),
    path("elu/adresse/", PortailAdresseView.as_view(), name="portail_adresse"),
    path("elu/rattacher/", PortailRattacherView.as_view(), name="portail_rattacher"),
    path("elu/recapitulatif/", PortailRecapitulatifView.as_view(), name="portail_recapitulatif"),
    path("elu/convocations/<int:pk>/note/", PortailNoteView.as_view(), name="portail_note"),
    path("elu/manifest.webmanifest", manifest, name="portail_manifest"),
    # Sans connexion : lien perdu, pages où mènent les liens.
    path("elu/lien-perdu/", lien_perdu, name="elu_lien_perdu"),
    path("elu/lien-perdu/envoye/", lien_perdu_envoye, name="elu_lien_perdu_envoye"),
    path("elu/mot-de-passe/", mot_de_passe, name="elu_mot_de_passe"),
    path("elu/adresse/confirmer/", adresse_confirmation, name="elu_adresse_confirmer"),
    path("elu/rattacher/confirmer/", rattachement_confirmation, name="elu_rattachement"),
]
