"""Reading the dashboard's demographics out of a person's free-form traits."""

from app.models import age_group_for

AGE_GROUPS = ("<18", "18-40", ">40")
# Trait values are matched without regard to case: "female" and "Female" are one gender.
GENDERS = {"male": "Male", "female": "Female", "other": "Other"}


def age_group_of(traits: dict) -> str | None:
    """The age group an `age` (a number, or digits) or `age_group` trait names; None for
    anything else. A plausible age (1-120) wins over an age_group trait.
    """
    age = traits.get("age")
    if isinstance(age, str) and age.strip().isascii() and age.strip().isdigit():
        # ASCII digits only: "²".isdigit() is true, but int() refuses it.
        age = int(age.strip())
    if isinstance(age, int | float) and not isinstance(age, bool) and 1 <= age <= 120:
        return age_group_for(int(age))
    group = traits.get("age_group")
    return group if group in AGE_GROUPS else None


def gender_of(traits: dict) -> str | None:
    """The gender a `gender` trait names (Male, Female or Other, any case); else None."""
    gender = traits.get("gender")
    return GENDERS.get(gender.strip().lower()) if isinstance(gender, str) else None


def demographics(traits: dict) -> tuple[str | None, str | None]:
    """(age group, gender) the traits give; either may be None."""
    return age_group_of(traits), gender_of(traits)
