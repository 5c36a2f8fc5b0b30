"""Config -> the domain's directory spec (people, teams, services)."""

from bot.config import Config
from workflows.directory import DirectorySpec, PersonSpec, ServiceSpec, TeamSpec


def directory_spec(config: Config) -> DirectorySpec:
    """The directory that `config` describes."""
    return DirectorySpec(
        people=tuple(
            PersonSpec(
                key=person.id,
                name=person.name,
                roles=frozenset(person.roles),
                identities={
                    platform: str(external_id)
                    for platform, external_id in (
                        ("slack", person.slack),
                        ("telegram", person.telegram),
                    )
                    if external_id is not None
                },
                manager=person.manager,
                emergency_approver=person.id in config.emergency_approvers,
            )
            for person in config.people
        ),
        teams=tuple(
            TeamSpec(
                team.id,
                team.name,
                tuple(team.members),
                {str(k): v for k, v in team.channels.items()},
            )
            for team in config.teams
        ),
        services=tuple(
            ServiceSpec(
                key=service.id,
                name=service.name,
                team=service.team,
                sla_policy=service.sla_policy,
                escalation_policy=service.escalation_policy,
                approvers=tuple(service.approvers),
            )
            for service in config.services
        ),
    )
