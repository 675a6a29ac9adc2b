#pragma once
// struct fwpath_event (the kernel side's record, bpf/fwpath_events.h) -> the model's
// PacketEvent. Kept apart from the tracer so that it is unit-tested with hand-built
// records, without privileges.
#include <optional>

#include "fwpath_events.h"
#include "model/events.h"
#include "sources/drop_reasons.h"
#include "sources/kallsyms.h"

namespace fwpath::sources {

// std::nullopt for a record whose kind this reader does not know (a newer BPF object
// would be a build error, so this only guards against a corrupt record).
// The reason code is set only when the record says the kernel had one
// (FWPATH_F_HAS_REASON); its name comes from `reasons` (empty when unknown). The location
// is an address, named here when the kernel printed it (FWPATH_F_LOCATION_NAMED), else later
// by symbolize_drop(). `received` is left for the caller to stamp.
std::optional<model::PacketEvent> to_packet_event(const fwpath_event& ev, const DropReasons& reasons);

// Names a drop's location ("nf_hook_slow+0x8e") from `symbols`; other events and drops
// without a location are left as they are. Apart from decoding because reading the kernel's
// symbols takes longer than a probe's packet takes to die: a report needs the name, the
// moment of death does not.
void symbolize_drop(model::PacketEvent& event, const Kallsyms& symbols);

}  // namespace fwpath::sources
