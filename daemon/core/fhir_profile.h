/* FHIR profile: the URLs under which Needlewatch's own FHIR elements live
 * (extensions, the premises-code identifier system). Constants only, so the
 * mapping (fhir.c), the stored-document filter (fhir_filter.c) and the
 * CapabilityStatement name them alike without including each other. */
#ifndef NW_FHIR_PROFILE_H
#define NW_FHIR_PROFILE_H

#define FHIR_EXTENSION_BASE "https://needlewatch.uk/fhir/StructureDefinition/"
/* Location.identifier.system naming a registered premises by its code. */
#define FHIR_PREMISES_SYSTEM "https://needlewatch.uk/fhir/premises-code"

#endif
