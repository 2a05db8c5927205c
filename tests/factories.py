import factory
from factory.django import DjangoModelFactory

from core.models import Collectivite, Role, TypeRole, Utilisateur


class CollectiviteFactory(DjangoModelFactory):
    class Meta:
        model = Collectivite

    nom = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    code_insee = factory.Sequence(lambda n: f"{10000 + n:05d}")
    population_legale = 2150


class UtilisateurFactory(DjangoModelFactory):
    class Meta:
        model = Utilisateur
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Claire"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@exemple.test")
    password = factory.django.Password("mot-de-passe-solide-42")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    utilisateur = factory.SubFactory(UtilisateurFactory)
    collectivite = factory.SubFactory(CollectiviteFactory)
    role = TypeRole.ADMINISTRATEUR
